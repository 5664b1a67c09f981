"""Setup reports: "I have installed / re-activated", optionally with one's agency and district.

Offered at the end of a guide that an open campaign of the person's province counts, and by
/baocao (what a reminder asks people to send). The report is saved at the first tap, so it
counts even if the person never names an agency or district; the lists come from
`content/units/<province>.yaml`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bot.content.models import ProvinceUnits, Unit
from bot.context import Context
from bot.messages import Button
from handlers.actions import ChooseProvince, MainMenu
from handlers.replies import ask_province, menu_button
from handlers.volunteer_actions import SKIPPED, ReportDone, ReportProvince, ReportUnit

if TYPE_CHECKING:  # storage (SQLAlchemy) is loaded by what stores: `helpdesk ask` never does
    from bot.campaigns.store import CampaignInfo, UnitKind


def _out_of_date(ctx: Context) -> None:
    ctx.reply(ctx._("That menu is out of date. Here is the current one."), [menu_button(ctx)])


async def _running(ctx: Context, guide: str | None = None) -> list[CampaignInfo]:
    """The open campaigns of the person's province (of every province while it is unknown:
    a guide opened from a poster starts before the province is asked)."""
    if ctx.storage is None:
        return []
    now = dt.datetime.now(dt.UTC)
    from bot.campaigns.store import open_campaigns

    return await ctx.storage.call(open_campaigns, ctx.person.province, now, guide)


async def _open_guides(ctx: Context) -> list[str]:
    """The guides that the open campaigns of the person's province count."""
    counted = {guide for campaign in await _running(ctx) for guide in campaign.guides}
    return [guide_id for guide_id in ctx.content.guides if guide_id in counted]


async def offer(ctx: Context, guide_id: str) -> list[Button]:
    """The report button for the end of a guide, when an open campaign counts that guide."""
    if guide_id not in await _open_guides(ctx):
        return []
    label = ctx._("📋 Report: I have installed / re-activated it")
    return [Button(label, ReportDone(guide_id).pack())]


async def command_report(ctx: Context, _argument: str) -> None:
    """/baocao: report having installed or re-activated, for a campaign of one's province."""
    if ctx.person.province is None:
        ask_province(ctx, pending=MainMenu())
        return
    guides = await _open_guides(ctx)
    if not guides:
        ctx.reply(
            ctx._("There is no campaign to report to in your province now."), [menu_button(ctx)]
        )
        return
    if len(guides) == 1:
        await action_done(ctx, ReportDone(guides[0]))
        return
    buttons = [
        Button(guide.title.get(ctx.locale), ReportDone(guide.id).pack())
        for guide_id in guides
        if (guide := ctx.content.guide(guide_id)) is not None
    ]
    ctx.reply(ctx._("What have you done?"), [*buttons, menu_button(ctx)])


async def action_done(ctx: Context, action: ReportDone) -> None:
    """Save the report, then ask the agency (and the district) when the province lists them."""
    if ctx.storage is None or ctx.content.guide(action.guide) is None:
        _out_of_date(ctx)
        return
    if ctx.person.province is None:
        await _ask_province(ctx, action.guide)
        return
    from bot.campaigns.store import save_report

    report = await ctx.storage.call(
        save_report, ctx.person.id, action.guide, ctx.person.province, dt.datetime.now(dt.UTC)
    )
    ctx.record("setup_reported", guide=action.guide)
    _next_question(ctx, report, None)


async def _ask_province(ctx: Context, guide: str) -> None:
    """Which province: those with a campaign counting the guide, or another one."""
    provinces = sorted({campaign.province for campaign in await _running(ctx, guide)})
    buttons = [
        Button(province.name.get(ctx.locale), ReportProvince(guide, province.id).pack())
        for province_id in provinces
        if (province := ctx.content.province(province_id)) is not None
    ]
    ctx.reply(
        ctx._("Which province are you in?"),
        [*buttons, Button(ctx._("📍 Another province"), ChooseProvince().pack())],
    )


async def action_province(ctx: Context, action: ReportProvince) -> None:
    """The province of a person reporting: remembered, then the report is saved."""
    if ctx.content.province(action.province) is None:
        _out_of_date(ctx)
        return
    ctx.person.province = action.province
    ctx.record("province_set", detail=action.province)
    await action_done(ctx, ReportDone(action.guide))


def _next_question(ctx: Context, report: int, answered: UnitKind | None) -> None:
    """Ask for the agency, then the district (each only when listed); then say thanks."""
    units = ctx.content.units.get(ctx.person.province or "")
    kinds: tuple[UnitKind, ...] = ("agency", "district")
    remaining = kinds[kinds.index(answered) + 1 :] if answered else kinds
    for kind in remaining:
        listed = _listed(units, kind)
        if listed:
            question = (
                ctx._("Which agency or unit do you belong to?")
                if kind == "agency"
                else ctx._("Which district do you live or work in?")
            )
            if answered is None:
                question = ctx._("Recorded, thank you!") + " " + question
            buttons = [
                Button(unit.name.get(ctx.locale), ReportUnit(str(report), kind, unit.id).pack())
                for unit in listed
            ]
            skip = Button(ctx._("Skip"), ReportUnit(str(report), kind, SKIPPED).pack())
            ctx.reply(question, [*buttons, skip])
            return
    ctx.reply(
        ctx._("Thank you! Your report counts in your province's campaign report."),
        [menu_button(ctx)],
    )


def _listed(units: ProvinceUnits | None, kind: UnitKind) -> tuple[Unit, ...]:
    if units is None:
        return ()
    return units.agencies if kind == "agency" else units.districts


async def action_unit(ctx: Context, action: ReportUnit) -> None:
    """The agency or district of the person's report (or Skip)."""
    units = ctx.content.units.get(ctx.person.province or "")
    known = {unit.id for unit in _listed(units, action.kind)}
    chosen = None if action.unit == SKIPPED else action.unit
    if ctx.storage is None or not action.report.isdigit() or (chosen and chosen not in known):
        _out_of_date(ctx)
        return
    from bot.campaigns.store import set_report_unit

    saved = await ctx.storage.call(
        set_report_unit, int(action.report), ctx.person.id, action.kind, chosen
    )
    if not saved:
        _out_of_date(ctx)
        return
    _next_question(ctx, int(action.report), action.kind)
