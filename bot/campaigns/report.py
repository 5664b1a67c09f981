"""A campaign's figures per district and per agency: people who started one of its guides,
who completed one, and who reported "I have installed / re-activated".

Counted from the analytics events and the setup reports of the campaign's province within
its days (an event recorded before the person gave a province counts for the province they
gave later). A person's district and agency are the ones named in their latest report; people
who named none (or never reported) are counted under "not given". Each person counts once
per row kind, so the rows add up to the totals. People who deleted their data are no longer
counted (their events are unlinked).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from sqlalchemy import ColumnElement, Integer, Select, Subquery, func, literal, select, union_all
from sqlalchemy.engine import Connection

from bot.campaigns.store import CampaignInfo, UnitKind, campaign
from bot.content import Content
from bot.content.models import Unit
from bot.storage.models import Event, User
from bot.storage.volunteer_tables import SetupReport


@dataclass(frozen=True, slots=True)
class Figures:
    """People who started, completed and reported."""

    started: int = 0
    completed: int = 0
    reported: int = 0


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One district or agency (unit None: not given) and its figures."""

    unit: str | None
    label: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class CampaignReport:
    """What an admin sends on: the campaign, the province and the figures."""

    campaign: CampaignInfo
    province: str
    generated_at: dt.datetime
    by_district: tuple[ReportRow, ...]
    by_agency: tuple[ReportRow, ...]
    total: Figures


def _per_person(info: CampaignInfo) -> Subquery:
    """One row per person with 0/1 flags: started, completed, reported (a subquery)."""
    guides = list(info.guides)

    def events(kind: str, flags: tuple[int, int, int]) -> Select[int | None, int, int, int]:
        started, completed, reported = flags
        return (
            select(
                Event.user_id.label("user_id"),
                literal(started, Integer).label("s"),
                literal(completed, Integer).label("c"),
                literal(reported, Integer).label("r"),
            )
            .join(User, User.id == Event.user_id)
            .where(
                Event.kind == kind,
                Event.guide.in_(guides),
                # The province when it happened; else the one the person gave later (a guide
                # opened from a poster before the person was asked their province).
                func.coalesce(Event.province, User.province) == info.province,
                Event.created_at >= info.starts_at,
                Event.created_at < info.ends_at,
                Event.user_id.is_not(None),
            )
        )

    reports = select(
        SetupReport.user_id.label("user_id"),
        literal(0, Integer).label("s"),
        literal(0, Integer).label("c"),
        literal(1, Integer).label("r"),
    ).where(*_report_window(info))
    flags = union_all(
        events("guide_started", (1, 0, 0)), events("guide_completed", (0, 1, 0)), reports
    ).subquery()
    return (
        select(
            flags.c.user_id,
            func.max(flags.c.s).label("started"),
            func.max(flags.c.c).label("completed"),
            func.max(flags.c.r).label("reported"),
        )
        .group_by(flags.c.user_id)
        .subquery()
    )


def _report_window(info: CampaignInfo) -> tuple[ColumnElement[bool], ...]:
    return (
        SetupReport.guide.in_(list(info.guides)),
        SetupReport.province == info.province,
        SetupReport.created_at >= info.starts_at,
        SetupReport.created_at < info.ends_at,
        SetupReport.user_id.is_not(None),
    )


def _counts(
    connection: Connection, info: CampaignInfo, kind: UnitKind
) -> dict[str | None, Figures]:
    people = _per_person(info)
    latest = (
        select(SetupReport.user_id, func.max(SetupReport.id).label("id"))
        .where(*_report_window(info))
        .group_by(SetupReport.user_id)
        .subquery()
    )
    column = SetupReport.agency if kind == "agency" else SetupReport.district
    units = (
        select(latest.c.user_id, column.label("unit"))
        .join(SetupReport, SetupReport.id == latest.c.id)
        .subquery()
    )
    rows = connection.execute(
        select(
            units.c.unit,
            func.sum(people.c.started),
            func.sum(people.c.completed),
            func.sum(people.c.reported),
        )
        .select_from(people.outerjoin(units, units.c.user_id == people.c.user_id))
        .group_by(units.c.unit)
    )
    return {unit: Figures(int(s or 0), int(c or 0), int(r or 0)) for unit, s, c, r in rows}


def _rows(
    counts: dict[str | None, Figures], listed: tuple[Unit, ...], locale: str, not_given: str
) -> tuple[ReportRow, ...]:
    """Every listed unit (zeros included), units no longer listed, then "not given"."""
    labels = {unit.id: unit.name.get(locale) for unit in listed}
    order = [*labels, *sorted(u for u in counts if u is not None and u not in labels)]
    rows = [ReportRow(u, labels.get(u, u), counts.get(u, Figures())) for u in order]
    return (*rows, ReportRow(None, not_given, counts.get(None, Figures())))


def campaign_report(
    connection: Connection,
    campaign_id: int,
    content: Content,
    locale: str,
    not_given: str,
    now: dt.datetime,
) -> CampaignReport | None:
    """The figures of a campaign, per district and per agency; None for an unknown id."""
    info = campaign(connection, campaign_id)
    if info is None:
        return None
    units = content.units.get(info.province)
    province = content.province(info.province)
    by_district = _rows(
        _counts(connection, info, "district"), units.districts if units else (), locale, not_given
    )
    by_agency = _rows(
        _counts(connection, info, "agency"), units.agencies if units else (), locale, not_given
    )
    total = Figures(
        *(sum(getattr(row.figures, f.name) for row in by_district) for f in fields(Figures))
    )
    return CampaignReport(
        campaign=info,
        province=province.name.get(locale) if province else info.province,
        generated_at=now,
        by_district=by_district,
        by_agency=by_agency,
        total=total,
    )
