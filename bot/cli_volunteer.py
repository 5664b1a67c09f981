"""`helpdesk volunteer ...`: invitation codes, requests to approve, volunteers, posters."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot import loop as event_loop
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:  # the parser is built for every command; storage loads when used
    from bot.storage import Database


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `volunteer` and its subcommands to the CLI."""
    volunteer = commands.add_parser("volunteer", help="volunteers: invitations, approval, posters")
    sub = volunteer.add_subparsers(dest="volunteer_command", required=True)
    invite = sub.add_parser("invite", help="make an invitation code; prints it")
    invite.add_argument(
        "--org", required=True, help='the organisation, e.g. "Tỉnh đoàn Quảng Ngãi"'
    )
    invite.add_argument("--uses", type=int, default=1, help="how many people may use it (1)")
    invite.add_argument("--expires", type=int, default=30, metavar="DAYS", help="valid days (30)")
    sub.add_parser("invitations", help="the newest invitation codes and their use")
    listing = sub.add_parser("list", help="volunteers and requests")
    listing.add_argument("--pending", action="store_true", help="only requests to approve")
    approve = sub.add_parser("approve", help="approve a request (its number from list --pending)")
    approve.add_argument("user", type=int)
    approve.add_argument("--org", help="the organisation, if the request did not name it")
    impact = sub.add_parser("impact", help="a volunteer's impact, by week")
    impact.add_argument("--code", required=True, help="the volunteer's referral code")
    poster = sub.add_parser("poster", help="a printable A4 poster (PNG or PDF) with a QR code")
    poster.add_argument("--code", required=True, help="the volunteer's referral code")
    what = poster.add_mutually_exclusive_group(required=True)
    what.add_argument("--guide", help="a guide id, e.g. bluezone.reactivate")
    what.add_argument("--topic", help="a topic id, e.g. qr.scan")
    poster.add_argument("--format", choices=["png", "pdf"], default="pdf")
    poster.add_argument(
        "--via",
        choices=["web", "telegram"],
        default="web",
        help="what the QR code opens: the web chat (any phone) or the Telegram bot",
    )
    poster.add_argument("--lang", choices=["vi", "en"], default="vi")
    poster.add_argument("-o", "--output", required=True, help="the file to write")
    volunteer.set_defaults(run=lambda args: event_loop.run(_run(args)))


async def _run(args: argparse.Namespace) -> int:
    from bot.storage import Database

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        raise SystemExit(f"helpdesk: configuration error: {error}") from None
    database = Database(settings.database_url)
    try:
        await database.upgrade()
        command = {
            "invite": _invite,
            "invitations": _invitations,
            "list": _list,
            "approve": _approve,
            "impact": _impact,
            "poster": _poster,
        }[args.volunteer_command]
        return await command(args, settings, database)
    finally:
        await database.dispose()


async def _invite(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    from bot.volunteers.links import ShareLinks
    from bot.volunteers.store import create_invitation

    if args.uses < 1 or args.expires < 1:
        raise SystemExit("helpdesk: --uses and --expires must be at least 1")
    now = dt.datetime.now(dt.UTC)
    until = now + dt.timedelta(days=args.expires)
    made = await database.run(create_invitation, args.org, args.uses, until, "cli", now)
    print(made.code)
    print(f"for {made.org}: {made.max_uses} use(s), until {until:%Y-%m-%d}", file=sys.stderr)
    print(f"each volunteer sends: /volunteer {made.code}", file=sys.stderr)
    link = ShareLinks.from_env(settings.env or {}).join(made.code)
    if link:
        print(f"or opens: {link}", file=sys.stderr)
    return 0


async def _invitations(_args: argparse.Namespace, _settings: Settings, database: Database) -> int:
    from bot.volunteers.store import invitations

    for row in await database.run(invitations):
        until = f"{row.expires_at:%Y-%m-%d}" if row.expires_at else "no end"
        print(f"{row.code}  {row.used}/{row.max_uses} used  until {until}  {row.org}")
    return 0


async def _list(args: argparse.Namespace, _settings: Settings, database: Database) -> int:
    from bot.volunteers.store import volunteers

    for row in await database.run(volunteers, "pending" if args.pending else None):
        code = row.referral_code or "-"
        print(
            f"{row.user_id:>6}  {row.status:<8} {row.channel:<9} {code:<7} "
            f"{row.requested_at:%Y-%m-%d}  {row.org or '-'}"
        )
    return 0


async def _approve(args: argparse.Namespace, _settings: Settings, database: Database) -> int:
    from bot.volunteers.store import approve

    made = await database.run(approve, args.user, "cli", dt.datetime.now(dt.UTC), args.org)
    if made is None:
        raise SystemExit(f"helpdesk: no request from {args.user} is waiting")
    print(f"{made.user_id} is a volunteer now, with the referral code {made.referral_code}")
    return 0


async def _impact(args: argparse.Namespace, _settings: Settings, database: Database) -> int:
    from bot.volunteers.impact import impact
    from bot.volunteers.store import by_referral

    volunteer = await database.run(by_referral, args.code.upper())
    if volunteer is None:
        raise SystemExit(f"helpdesk: no active volunteer has the code {args.code!r}")
    found = await database.run(impact, volunteer.user_id)
    for week in found.weeks:
        print(f"week of {week.week}  started {week.started:>4}  completed {week.completed:>4}")
    print(f"in all        started {found.started:>4}  completed {found.completed:>4}")
    return 0


async def _poster(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    from bot.content import load_content
    from bot.i18n import translations
    from bot.volunteers.card import shareable
    from bot.volunteers.links import LinkKind, ShareLinks
    from bot.volunteers.poster import poster_pdf, poster_png, poster_text
    from bot.volunteers.store import by_referral

    volunteer = await database.run(by_referral, args.code.upper())
    if volunteer is None or volunteer.referral_code is None:
        raise SystemExit(f"helpdesk: no active volunteer has the code {args.code!r}")
    content = load_content(settings.content_dir)
    kind: LinkKind = "guide" if args.guide else "topic"
    item = shareable(content, kind, args.guide or args.topic, args.lang)
    if item is None:
        raise SystemExit(f"helpdesk: no {kind} {args.guide or args.topic!r} to put on a poster")
    links = ShareLinks.from_env(settings.env or {}).item(
        kind, item.item_id, volunteer.referral_code
    )
    link = links.telegram if args.via == "telegram" else links.web
    if link is None:
        raise SystemExit("helpdesk: set TELEGRAM_BOT_USERNAME for a poster that opens Telegram")
    operator = content.operator.name.get(args.lang) if content.operator else ""
    catalog = translations(settings.locales_dir, args.lang)
    text = poster_text(item, link, volunteer.referral_code, operator, catalog.gettext)
    data = poster_pdf(text) if args.format == "pdf" else poster_png(text)
    Path(args.output).write_bytes(data)
    print(f"wrote {args.output}: {item.title} -> {link}", file=sys.stderr)
    return 0
