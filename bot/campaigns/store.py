"""The SQL of campaigns and of people's setup reports ("I have installed / re-activated").

A campaign is a province, the guides it is about, its target groups (words for the report's
header) and its days, from the first to the deadline, in Vietnam's time. A setup report is
one per person and guide: reporting again moves it to now, so it counts in the latest drive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, and_, exists, insert, select, update
from sqlalchemy.engine import Connection

from bot.broadcasts.schedule import DEFAULT_ZONE
from bot.storage.models import User
from bot.storage.volunteer_tables import CampaignGuide, ReportCampaign, SetupReport
from bot.volunteers.store import aware

UnitKind = Literal["agency", "district"]


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    """A campaign as reports and pages show it."""

    id: int
    name: str
    province: str
    guides: tuple[str, ...]
    groups: tuple[str, ...]
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def first_day(self) -> dt.date:
        """The campaign's first day (in Vietnam)."""
        return self.starts_at.astimezone(DEFAULT_ZONE).date()

    @property
    def deadline(self) -> dt.date:
        """The campaign's last day (in Vietnam)."""
        return (self.ends_at.astimezone(DEFAULT_ZONE) - dt.timedelta(days=1)).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """00:00 of `day` in Vietnam, in UTC."""
    return dt.datetime.combine(day, dt.time(), DEFAULT_ZONE).astimezone(dt.UTC)


def create_campaign(
    connection: Connection,
    name: str,
    province: str,
    guides: Sequence[str],
    groups: Sequence[str],
    first_day: dt.date,
    deadline: dt.date,
    created_by: str,
) -> CampaignInfo:
    """A new campaign running from `first_day` to `deadline` (both included)."""
    if deadline < first_day:
        raise ValueError("the deadline is before the first day")
    if not guides or not name.strip():
        raise ValueError("a campaign needs a name and at least one guide")
    starts, ends = local_midnight(first_day), local_midnight(deadline + dt.timedelta(days=1))
    identifier = connection.execute(
        insert(ReportCampaign)
        .values(
            name=name.strip()[:120],
            province=province,
            groups=list(groups),
            starts_at=starts,
            ends_at=ends,
            created_by=created_by[:64],
            created_at=dt.datetime.now(dt.UTC),
        )
        .returning(ReportCampaign.id)
    ).scalar_one()
    unique = list(dict.fromkeys(guides))
    connection.execute(
        insert(CampaignGuide), [{"campaign_id": identifier, "guide": g} for g in unique]
    )
    found = campaign(connection, identifier)
    assert found is not None
    return found


def _infos(connection: Connection, where: ColumnElement[bool] | None = None) -> list[CampaignInfo]:
    query = select(ReportCampaign).order_by(ReportCampaign.id)
    rows = list(connection.execute(query if where is None else query.where(where)))
    guides: dict[int, list[str]] = {}
    if rows:
        pairs = connection.execute(
            select(CampaignGuide.campaign_id, CampaignGuide.guide)
            .where(CampaignGuide.campaign_id.in_([row.id for row in rows]))
            .order_by(CampaignGuide.guide)
        )
        for campaign_id, guide in pairs:
            guides.setdefault(campaign_id, []).append(guide)
    return [
        CampaignInfo(
            id=row.id,
            name=row.name,
            province=row.province,
            guides=tuple(guides.get(row.id, ())),
            groups=tuple(row.groups or ()),
            starts_at=aware(row.starts_at),
            ends_at=aware(row.ends_at),
        )
        for row in rows
    ]


def campaign(connection: Connection, campaign_id: int) -> CampaignInfo | None:
    """The campaign with this id, or None."""
    found = _infos(connection, ReportCampaign.id == campaign_id)
    return found[0] if found else None


def campaigns(connection: Connection) -> list[CampaignInfo]:
    """Every campaign, oldest first."""
    return _infos(connection)


def open_campaigns(
    connection: Connection, province: str | None, now: dt.datetime, guide: str | None = None
) -> list[CampaignInfo]:
    """The campaigns running now, of `province` (of any province when None), only those
    counting `guide` when given."""
    running = and_(ReportCampaign.starts_at <= now, ReportCampaign.ends_at > now)
    if province is not None:
        running = and_(running, ReportCampaign.province == province)
    found = _infos(connection, running)
    return [info for info in found if guide is None or guide in info.guides]


def save_report(
    connection: Connection, user_id: int, guide: str, province: str | None, now: dt.datetime
) -> int:
    """Record "I have done it" for a guide; the report's id (the same on a second report)."""
    existing = connection.execute(
        select(SetupReport.id).where(SetupReport.user_id == user_id, SetupReport.guide == guide)
    ).scalar_one_or_none()
    if existing is not None:
        connection.execute(
            update(SetupReport)
            .where(SetupReport.id == existing)
            .values(province=province, created_at=now)
        )
        return int(existing)
    return int(
        connection.execute(
            insert(SetupReport)
            .values(user_id=user_id, guide=guide, province=province, created_at=now)
            .returning(SetupReport.id)
        ).scalar_one()
    )


def set_report_unit(
    connection: Connection, report_id: int, user_id: int, kind: UnitKind, unit: str | None
) -> bool:
    """Name the agency or district of one's own report; False when it is not theirs."""
    column = SetupReport.agency if kind == "agency" else SetupReport.district
    result = connection.execute(
        update(SetupReport)
        .where(SetupReport.id == report_id, SetupReport.user_id == user_id)
        .values({column: unit})
    )
    return bool(result.rowcount)


def not_reported(campaign_id: int) -> ColumnElement[bool]:
    """People of the campaign's province with no report for its guides since it began
    (a broadcast segment: reminders to those who have not reported yet)."""
    chosen = ReportCampaign.id == campaign_id
    province = select(ReportCampaign.province).where(chosen).scalar_subquery()
    starts = select(ReportCampaign.starts_at).where(chosen).scalar_subquery()
    guides = select(CampaignGuide.guide).where(CampaignGuide.campaign_id == campaign_id)
    reported = exists().where(
        SetupReport.user_id == User.id,
        SetupReport.guide.in_(guides),
        SetupReport.created_at >= starts,
    )
    return and_(User.province == province, ~reported)
