"""Campaigns in the console: the list, a form to define one, and a campaign's report (people
who started, completed and reported, per district and per agency, with a chart per district)
downloaded as CSV or XLSX. Everything goes through `bot.campaigns` (store, report, export),
as the command line does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from babel.numbers import format_decimal

from bot.admin.chart import Series, bar_chart
from bot.admin.render import Console, babel_locale, see_other
from bot.admin.sections import Route, Section, Visit
from bot.admin.tables import Column, Table
from bot.broadcasts.schedule import DEFAULT_ZONE
from bot.campaigns.export import report_table, to_csv, to_xlsx
from bot.campaigns.report import CampaignReport, ReportRow, campaign_report
from bot.campaigns.store import CampaignInfo, campaigns, create_campaign
from bot.i18n import N_
from bot.storage.models import utcnow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOAD_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _province_name(console: Console, province: str, locale: str) -> str:
    found = console.content.province(province)
    return found.name.get(locale) if found else province


async def tables(console: Console, request: web.Request, visit: Visit) -> list[Table]:
    """The list of campaigns."""
    _ = visit.gettext
    rows = [
        (
            info.id,
            info.name,
            _province_name(console, info.province, visit.locale),
            info.first_day,
            info.deadline,
            ", ".join(info.guides),
        )
        for info in await console.database.run(campaigns)
    ]
    columns = (
        Column("id", _("No."), "number"),
        Column("name", _("Campaign")),
        Column("province", _("Province")),
        Column("first_day", _("First day"), "date"),
        Column("deadline", _("Deadline"), "date"),
        Column("guides", _("Guides")),
    )
    return [Table("campaigns", _("Campaigns"), columns, rows)]


def _choices(console: Console, visit: Visit) -> dict[str, Any]:
    content, locale = console.content, visit.locale
    return {
        "provinces": sorted(
            ((p.id, p.name.get(locale)) for p in content.provinces.values()), key=lambda x: x[1]
        ),
        "guides": [(g.id, g.title.get(locale)) for g in content.guides.values()],
    }


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _check(console: Console, visit: Visit) -> tuple[list[str], dict[str, Any]]:
    """The problems of the posted form, and the campaign's values when there are none."""
    _, form = visit.gettext, visit.form
    problems: list[str] = []
    name = form.get("name", "").strip()
    if not name:
        problems.append(_("Give the campaign a name."))
    province = form.get("province", "")
    if console.content.province(province) is None:
        problems.append(_("Choose a province."))
    guides = [g for g in console.content.guides if form.get(f"guide_{g}") == "1"]
    if not guides:
        problems.append(_("Choose at least one guide."))
    today = utcnow().astimezone(DEFAULT_ZONE).date()
    first = _day(form["first_day"]) if form.get("first_day", "").strip() else today
    deadline = _day(form.get("deadline", ""))
    if first is None or deadline is None:
        problems.append(_("Write the days as dates."))
    elif deadline < first:
        problems.append(_("The deadline is before the first day."))
    groups = [g.strip() for g in form.get("groups", "").split(",") if g.strip()]
    values = {
        "name": name,
        "province": province,
        "guides": guides,
        "groups": groups,
        "first_day": first,
        "deadline": deadline,
    }
    return problems, values


async def page(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/campaigns` (the list and the form) and `POST` (define a campaign)."""
    problems: list[str] = []
    if request.method == "POST":
        problems, values = _check(console, visit)
        if not problems:
            made: CampaignInfo = await console.database.run(
                create_campaign, **values, created_by=f"admin:{visit.account.name}"
            )
            raise see_other(f"/admin/campaigns/{made.id}?created=1")
    return console.render(
        request,
        "campaigns.html",
        visit.locale,
        visit,
        status=422 if problems else 200,
        section="campaigns",
        table=(await tables(console, request, visit))[0],
        problems=problems,
        form=visit.form,
        **_choices(console, visit),
    )


async def _report(
    console: Console, request: web.Request, visit: Visit
) -> tuple[CampaignReport, list[str]]:
    """The campaign's report in the visitor's language and its guides' titles (or 404)."""
    _ = visit.gettext
    identifier = int(request.match_info["id"])
    report = await console.database.run(
        campaign_report, identifier, console.content, visit.locale, _("Not given"), utcnow()
    )
    if report is None:
        raise web.HTTPNotFound()
    titles = [
        guide.title.get(visit.locale)
        for guide_id in report.campaign.guides
        if (guide := console.content.guide(guide_id)) is not None
    ]
    return report, titles


def _figures_table(key: str, caption: str, unit: str, rows: tuple[ReportRow, ...], _: Any) -> Table:
    columns = (
        Column("unit", unit),
        Column("started", _("Started"), "number"),
        Column("completed", _("Completed"), "number"),
        Column("reported", _("Reported"), "number"),
    )
    cells = [
        (row.label, row.figures.started, row.figures.completed, row.figures.reported)
        for row in rows
    ]
    return Table(key, caption, columns, cells)


async def detail(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/campaigns/{id}`: the figures per district and per agency, and a chart."""
    _ = visit.gettext
    report, titles = await _report(console, request, visit)
    where = babel_locale(visit.locale)
    districts = report.by_district
    chart = bar_chart(
        _("People per district"),
        [row.label for row in districts],
        [
            Series(_("Started"), [row.figures.started for row in districts]),
            Series(_("Completed"), [row.figures.completed for row in districts]),
            Series(_("Reported"), [row.figures.reported for row in districts]),
        ],
        lambda n: format_decimal(n, locale=where),
    )
    return console.render(
        request,
        "campaign.html",
        visit.locale,
        visit,
        section="campaigns",
        report=report,
        info=report.campaign,
        titles=titles,
        chart=chart,
        tables=[
            _figures_table("districts", _("By district"), _("District"), districts, _),
            _figures_table("agencies", _("By agency"), _("Agency"), report.by_agency, _),
        ],
        created=request.query.get("created") == "1",
    )


async def download(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/campaigns/{id}/report.csv` or `.xlsx`: the report as the CLI writes it."""
    _ = visit.gettext
    report, titles = await _report(console, request, visit)
    table = report_table(report, titles, _)
    day = report.generated_at.astimezone(DEFAULT_ZONE).date().isoformat()
    name = f"campaign-{report.campaign.id}-{day}"
    if request.match_info["format"] == "csv":
        return web.Response(
            body=("\ufeff" + to_csv(table)).encode("utf-8"),
            content_type="text/csv",
            charset="utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}.csv"',
                **DOWNLOAD_HEADERS,
            },
        )
    return web.Response(
        body=to_xlsx(table, _("Report")),
        content_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"', **DOWNLOAD_HEADERS},
    )


SECTION = Section(
    key="campaigns",
    title=N_("Campaigns"),
    role="admin",
    routes=(
        Route("GET", "", page),
        Route("POST", "", page),
        Route("GET", "/{id:\\d+}", detail),
        Route("GET", "/{id:\\d+}/report.{format:csv|xlsx}", download),
    ),
    tables=tables,
)
