"""Who gets a broadcast: a segment is a filter over people, turned into one SQL query."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, select

from bot.broadcasts import ROLES
from bot.storage.models import Event, User

__all__ = ["ROLES", "Segment", "audience", "conditions"]


@dataclass(frozen=True)
class Segment:
    """Filters that combine; an empty segment is every subscribed person."""

    channel: str | None = None
    province: str | None = None
    locale: str | None = None
    role: str | None = None
    # Campaign facts: started this guide but never completed it; not seen for N days.
    not_completed_guide: str | None = None
    unseen_days: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The segment as stored with the broadcast (only the filters in use)."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Segment:
        """Read a stored segment; unknown keys are ignored."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def describe(self) -> str:
        """A short readable form for lists and reports."""
        parts = [f"{k}={v}" for k, v in self.to_json().items()]
        return ", ".join(parts) or "everyone"


def conditions(segment: Segment, now: dt.datetime) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a segment (subscribed people only)."""
    where: list[ColumnElement[bool]] = [User.subscribed.is_(True)]
    if segment.channel:
        where.append(User.channel == segment.channel)
    if segment.province:
        where.append(User.province == segment.province)
    if segment.locale:
        where.append(User.locale == segment.locale)
    if segment.role:
        where.append(User.role == segment.role)
    if segment.unseen_days is not None:
        where.append(User.last_seen_at < now - dt.timedelta(days=segment.unseen_days))
    if segment.not_completed_guide:

        def did(kind: str) -> ColumnElement[bool]:
            return exists().where(
                and_(
                    Event.user_id == User.id,
                    Event.kind == kind,
                    Event.guide == segment.not_completed_guide,
                )
            )

        where.append(did("guide_started"))
        where.append(~did("guide_completed"))
    return where


def audience(segment: Segment, now: dt.datetime) -> Select[int, str]:
    """People in the segment, as (user id, channel): a query, never a list in memory."""
    return select(User.id, User.channel).where(*conditions(segment, now))
