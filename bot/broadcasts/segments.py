"""Who gets a broadcast: a segment is a filter over people, turned into one SQL query."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists

from bot.broadcasts import ROLES
from bot.campaigns.store import not_reported
from bot.storage.models import Event, User

__all__ = ["ROLES", "Segment", "conditions", "messaging_channels"]


def messaging_channels() -> tuple[str, ...]:
    """The channels that can message people first (their profile has a `label`).

    Only their people are ever an audience: a web chat session cannot be written to, so it
    is neither counted in a broadcast's reach nor queued.
    """
    from bot.plugins import profiles

    return tuple(profile.name for profile in profiles() if profile.can_broadcast)


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
    # People of a campaign's province who have not reported "I have done it" for it yet.
    not_reported_campaign: int | None = None

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
    """The WHERE clauses of a segment: subscribed people on channels that can message them."""
    where: list[ColumnElement[bool]] = [
        User.subscribed.is_(True),
        User.channel.in_(messaging_channels()),
    ]
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
    if segment.not_reported_campaign is not None:
        where.append(not_reported(segment.not_reported_campaign))
    return where
