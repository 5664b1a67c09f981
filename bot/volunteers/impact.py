"""A volunteer's impact: people who started through their links, and who completed a guide,
by week (weeks start on Monday, Asia/Ho_Chi_Minh).

`impact` is what `/myimpact` shows; `impact_for_token` is the same for the volunteer's own
web page, which the web channel serves from the token in the volunteer's personal link.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from bot.broadcasts.schedule import DEFAULT_ZONE
from bot.storage.models import Event
from bot.storage.volunteer_tables import Referral
from bot.volunteers.store import VolunteerInfo, aware, by_token


@dataclass(frozen=True, slots=True)
class WeekImpact:
    """One week: its Monday, people who arrived through the links, people who completed."""

    week: dt.date
    started: int
    completed: int


@dataclass(frozen=True, slots=True)
class Impact:
    """Every week with something in it (oldest first) and the totals."""

    weeks: tuple[WeekImpact, ...]
    started: int
    completed: int


def week_of(moment: dt.datetime) -> dt.date:
    """The Monday (local date in Vietnam) of the week `moment` falls in."""
    local = aware(moment).astimezone(DEFAULT_ZONE).date()
    return local - dt.timedelta(days=local.weekday())


def impact(connection: Connection, volunteer_id: int) -> Impact:
    """People referred by the volunteer, by the week they arrived, and those of them who
    completed a guide afterwards, by the week of their first completion."""
    arrivals = connection.execute(
        select(Referral.created_at).where(Referral.volunteer_id == volunteer_id)
    ).scalars()
    started = Counter(week_of(moment) for moment in arrivals)
    firsts = connection.execute(
        select(func.min(Event.created_at))
        .join(
            Referral,
            and_(Referral.user_id == Event.user_id, Event.created_at >= Referral.created_at),
        )
        .where(Referral.volunteer_id == volunteer_id, Event.kind == "guide_completed")
        .group_by(Event.user_id)
    ).scalars()
    completed = Counter(week_of(moment) for moment in firsts)
    weeks = tuple(
        WeekImpact(week, started[week], completed[week])
        for week in sorted(set(started) | set(completed))
    )
    return Impact(weeks, sum(started.values()), sum(completed.values()))


def impact_for_token(connection: Connection, token: str) -> tuple[VolunteerInfo, Impact] | None:
    """The volunteer whose personal link carries `token`, with their impact; None if none."""
    volunteer = by_token(connection, token)
    if volunteer is None:
        return None
    return volunteer, impact(connection, volunteer.user_id)
