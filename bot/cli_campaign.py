"""`helpdesk campaign ...` (define and list campaigns) and `helpdesk report campaign ID`
(its figures per district and per agency, as CSV or XLSX)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot import loop as event_loop
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:  # the parser is built for every command; storage loads when used
    from bot.content import Content
    from bot.storage import Database


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `campaign` and `report` to the CLI."""
    campaign = commands.add_parser("campaign", help="campaigns whose progress is reported")
    sub = campaign.add_subparsers(dest="campaign_command", required=True)
    create = sub.add_parser("create", help="define a campaign; prints its id")
    create.add_argument("--name", required=True, help='e.g. "Kích hoạt lại Bluezone"')
    create.add_argument("--province", required=True, help="province id, e.g. quang-ngai")
    create.add_argument("--deadline", required=True, help="its last day, YYYY-MM-DD")
    create.add_argument("--start", help="its first day, YYYY-MM-DD (default: today)")
    create.add_argument(
        "--guide",
        action="append",
        default=[],
        help="a guide it counts (repeat it; default: every guide)",
    )
    create.add_argument("--groups", default="", help='target groups, e.g. "cán bộ, công chức"')
    sub.add_parser("list", help="every campaign")
    report = commands.add_parser("report", help="reports to send on")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    figures = report_sub.add_parser("campaign", help="a campaign's figures by district and agency")
    figures.add_argument("id", type=int)
    figures.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    figures.add_argument("--lang", choices=["vi", "en"], default="vi")
    figures.add_argument("-o", "--output", required=True, help="the file to write")
    for parser in (campaign, report):
        parser.set_defaults(run=lambda args: event_loop.run(_run(args)))


def _day(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"helpdesk: {name} must be a date such as 2026-12-31") from None


async def _run(args: argparse.Namespace) -> int:
    from bot.content import load_content
    from bot.storage import Database

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        raise SystemExit(f"helpdesk: configuration error: {error}") from None
    database = Database(settings.database_url)
    try:
        await database.upgrade()
        if args.command == "report":
            return await _report(args, settings, database)
        if args.campaign_command == "list":
            return await _list(database)
        return await _create(args, load_content(settings.content_dir), database)
    finally:
        await database.dispose()


async def _create(args: argparse.Namespace, content: Content, database: Database) -> int:
    from bot.campaigns.store import create_campaign

    problems: list[str] = []
    if content.province(args.province) is None:
        problems.append(f"unknown province {args.province!r}")
    guides = args.guide or list(content.guides)
    problems += [f"unknown guide {g!r}" for g in guides if g not in content.guides]
    first = _day(args.start, "--start") if args.start else dt.date.today()
    deadline = _day(args.deadline, "--deadline")
    if deadline < first:
        problems.append("the deadline is before the first day")
    if problems:
        raise SystemExit("helpdesk: the campaign was not created:\n  " + "\n  ".join(problems))
    groups = [g.strip() for g in args.groups.split(",") if g.strip()]
    made = await database.run(
        create_campaign, args.name, args.province, guides, groups, first, deadline, "cli"
    )
    print(made.id)
    return 0


async def _list(database: Database) -> int:
    from bot.campaigns.store import campaigns

    for info in await database.run(campaigns):
        print(
            f"{info.id:>4}  {info.first_day} .. {info.deadline}  {info.province:<12} "
            f"{info.name}  ({', '.join(info.guides)})"
        )
    return 0


async def _report(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    from bot.campaigns.export import report_table, to_csv, to_xlsx
    from bot.campaigns.report import campaign_report
    from bot.content import load_content
    from bot.i18n import translations

    content = load_content(settings.content_dir)
    _ = translations(settings.locales_dir, args.lang).gettext
    now = dt.datetime.now(dt.UTC)
    report = await database.run(campaign_report, args.id, content, args.lang, _("Not given"), now)
    if report is None:
        raise SystemExit(f"helpdesk: no campaign {args.id}")
    titles = [
        guide.title.get(args.lang)
        for guide_id in report.campaign.guides
        if (guide := content.guide(guide_id)) is not None
    ]
    table = report_table(report, titles, _)
    output = Path(args.output)
    if args.format == "csv":
        # A byte-order mark, so that Excel reads the Vietnamese letters as UTF-8.
        output.write_text(to_csv(table), encoding="utf-8-sig")
    else:
        output.write_bytes(to_xlsx(table, _("Report")))
    total = report.total
    print(
        f"wrote {output}: started {total.started}, completed {total.completed}, "
        f"reported {total.reported}",
        file=sys.stderr,
    )
    return 0
