"""The dashboard's figures, counted from the `events` table (kept without a time limit;
events of people who deleted their data are kept unlinked, so they count as events but not
as people).

- conversations: different people with at least one event that day;
- questions: typed questions the bot tried to understand (understood, asked which one was
  meant, or not understood);
- escalations: the times the bot gave the hotlines (asked for a person, not understood
  twice, a guide step failed twice, 👎), by reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, distinct, func, select
from sqlalchemy.engine import Connection

from bot.admin.period import Filters, as_date, local_day, where
from bot.storage.models import Event

QUESTION_KINDS = ("understood", "clarified", "not_understood")
TOP_TOPICS = 10


@dataclass(frozen=True)
class Figures:
    """Counts over a day, a province or the whole range."""

    conversations: int = 0
    questions: int = 0
    not_understood: int = 0
    escalations: int = 0


def _counts() -> tuple[ColumnElement[Any], ...]:
    return (
        func.count(distinct(Event.user_id)),
        func.sum(case((Event.kind.in_(QUESTION_KINDS), 1), else_=0)),
        func.sum(case((Event.kind == "not_understood", 1), else_=0)),
        func.sum(case((Event.kind == "escalation", 1), else_=0)),
    )


def _figures(values: tuple[Any, ...]) -> Figures:
    people, questions, missed, escalations = (int(v or 0) for v in values)
    return Figures(people, questions, missed, escalations)


def totals(connection: Connection, filters: Filters) -> Figures:
    """The figures over the whole range (people counted once)."""
    row = connection.execute(
        select(*_counts()).where(*where(filters, Event.created_at, Event.province))
    ).one()
    return _figures(tuple(row))


def daily(connection: Connection, filters: Filters) -> list[tuple[dt.date, Figures]]:
    """The figures of every day of the range, days without events included."""
    day = local_day(Event.created_at, connection.dialect.name)
    rows = connection.execute(
        select(day, *_counts())
        .where(*where(filters, Event.created_at, Event.province))
        .group_by(day)
    ).all()
    found = {as_date(row[0]): _figures(tuple(row[1:])) for row in rows}
    return [(day, found.get(day, Figures())) for day in filters.days()]


def understanding(connection: Connection, filters: Filters) -> dict[str, int]:
    """How many questions were understood, clarified ("which one?") and not understood."""
    rows = connection.execute(
        select(Event.kind, func.count())
        .where(Event.kind.in_(QUESTION_KINDS), *where(filters, Event.created_at, Event.province))
        .group_by(Event.kind)
    ).all()
    found = {str(kind): int(count) for kind, count in rows}
    return {kind: found.get(kind, 0) for kind in QUESTION_KINDS}


def top_topics(
    connection: Connection, filters: Filters, limit: int = TOP_TOPICS
) -> list[tuple[str, int]]:
    """The topics answered most often, with how many times."""
    count = func.count().label("answered")
    rows = connection.execute(
        select(Event.topic, count)
        .where(
            Event.kind == "understood",
            Event.topic.is_not(None),
            *where(filters, Event.created_at, Event.province),
        )
        .group_by(Event.topic)
        .order_by(count.desc(), Event.topic)
        .limit(limit)
    ).all()
    return [(str(topic), int(n)) for topic, n in rows]


def per_province(connection: Connection, filters: Filters) -> list[tuple[str | None, Figures]]:
    """The figures of each province (None: people who never said), busiest first."""
    rows = connection.execute(
        select(Event.province, *_counts())
        .where(*where(filters, Event.created_at, Event.province))
        .group_by(Event.province)
    ).all()
    found = [(row[0], _figures(tuple(row[1:]))) for row in rows]
    return sorted(
        found, key=lambda item: (-item[1].questions, -item[1].conversations, item[0] or "~")
    )


def escalation_reasons(connection: Connection, filters: Filters) -> list[tuple[str, int]]:
    """Why the bot gave the hotlines, most frequent first."""
    count = func.count().label("times")
    rows = connection.execute(
        select(Event.detail, count)
        .where(Event.kind == "escalation", *where(filters, Event.created_at, Event.province))
        .group_by(Event.detail)
        .order_by(count.desc(), Event.detail)
    ).all()
    return [(str(reason or "unknown"), int(n)) for reason, n in rows]
