"""Feedback: the 👍 / 👎 under answers per topic, the "Did it work?" at the end of guides,
and the questions that got a 👎.

A 👎 event names the topic and the person; the question is the last message that person
typed about that topic in the half hour before (from `message_log`, so only within
MESSAGE_RETENTION_DAYS; nothing when the answer was opened with a button).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute

from bot.admin.dashboard import filters_of
from bot.admin.period import Filters, where
from bot.admin.render import Console
from bot.admin.sections import Route, Section, Visit
from bot.admin.tables import Column, Table
from bot.admin.unanswered import mask_numbers
from bot.i18n import N_
from bot.storage.models import Event, MessageLog

ASKED_WITHIN = dt.timedelta(minutes=30)
DOWN_SHOWN = 500


def ratings(connection: Connection, filters: Filters) -> dict[str, dict[str, int]]:
    """Per topic, how many 👍 ("up") and 👎 ("down")."""
    rows = connection.execute(
        select(Event.topic, Event.detail, func.count())
        .where(Event.kind == "feedback", *where(filters, Event.created_at, Event.province))
        .group_by(Event.topic, Event.detail)
    ).all()
    found: dict[str, dict[str, int]] = {}
    for topic, rating, count in rows:
        found.setdefault(str(topic), {"up": 0, "down": 0})[str(rating)] = int(count)
    return found


def guide_outcomes(connection: Connection, filters: Filters) -> dict[str, dict[str, int]]:
    """Per guide, how many said it worked and how many said it did not."""
    rows = connection.execute(
        select(Event.guide, Event.kind, func.count())
        .where(
            Event.kind.in_(("guide_completed", "guide_not_working")),
            *where(filters, Event.created_at, Event.province),
        )
        .group_by(Event.guide, Event.kind)
    ).all()
    found: dict[str, dict[str, int]] = {}
    for guide, kind, count in rows:
        found.setdefault(str(guide), {"guide_completed": 0, "guide_not_working": 0})[kind] = int(
            count
        )
    return found


def _last_typed(column: InstrumentedAttribute[Any]) -> Select[tuple[Any]]:
    """The newest message the 👎's person typed about its topic before it (correlated)."""
    return (
        select(column)
        .where(
            MessageLog.user_id == Event.user_id,
            MessageLog.topic == Event.topic,
            MessageLog.created_at <= Event.created_at,
        )
        .order_by(MessageLog.created_at.desc())
        .limit(1)
        .correlate(Event)
    )


def thumbs_down(
    connection: Connection, filters: Filters
) -> list[tuple[str, str | None, dt.datetime]]:
    """(topic, the question asked or None, when) of each 👎, newest first."""
    rows = connection.execute(
        select(
            Event.topic,
            Event.created_at,
            _last_typed(MessageLog.text).scalar_subquery(),
            _last_typed(MessageLog.created_at).scalar_subquery(),
        )
        .where(
            Event.kind == "feedback",
            Event.detail == "down",
            *where(filters, Event.created_at, Event.province),
        )
        .order_by(Event.created_at.desc())
        .limit(DOWN_SHOWN)
    ).all()
    found = []
    for topic, created, text, typed_at in rows:
        created = _aware(created)
        recent = typed_at is not None and created - _aware(typed_at) <= ASKED_WITHIN
        found.append((str(topic), mask_numbers(text) if text and recent else None, created))
    return found


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


async def tables(console: Console, request: web.Request, visit: Visit) -> list[Table]:
    """The feedback tables."""
    _, content, locale = visit.gettext, console.content, visit.locale
    filters = filters_of(console, request)

    def read(
        connection: Connection,
    ) -> tuple[
        dict[str, dict[str, int]],
        dict[str, dict[str, int]],
        list[tuple[str, str | None, dt.datetime]],
    ]:
        """Every figure of the page, in one transaction."""
        return (
            ratings(connection, filters),
            guide_outcomes(connection, filters),
            thumbs_down(connection, filters),
        )

    by_topic, by_guide, down = await console.database.run(read)

    def title(topic_id: str) -> str:
        """A topic's title in the page's language."""
        topic = content.topic(topic_id)
        return topic.title.get(locale) if topic else ""

    topic_rows = sorted(
        by_topic.items(), key=lambda item: (-item[1]["down"], -item[1]["up"], item[0])
    )
    return [
        Table(
            "topics",
            _("👍 and 👎 per topic"),
            (
                Column("topic", _("Topic id")),
                Column("title", _("Title")),
                Column("up", _("👍"), "number"),
                Column("down", _("👎"), "number"),
                Column("liked", _("Share of 👍"), "percent"),
            ),
            [
                (
                    t,
                    title(t),
                    n["up"],
                    n["down"],
                    n["up"] / (n["up"] + n["down"]) if n["up"] + n["down"] else None,
                )
                for t, n in topic_rows
            ],
        ),
        Table(
            "guides",
            _("Did the guide work?"),
            (
                Column("guide", _("Guide id")),
                Column("title", _("Guide")),
                Column("worked", _("Yes, it works"), "number"),
                Column("did_not", _("No, it doesn't"), "number"),
            ),
            [
                (
                    g,
                    content.guides[g].title.get(locale) if g in content.guides else "",
                    n["guide_completed"],
                    n["guide_not_working"],
                )
                for g, n in sorted(by_guide.items())
            ],
        ),
        Table(
            "thumbs_down",
            _("Questions that got a 👎"),
            (
                Column("topic", _("Topic id")),
                Column("question", _("Question")),
                Column("when", _("When"), "moment"),
            ),
            [(t, text, when) for t, text, when in down],
            note=_(
                "The question is the last one the person typed about that topic in the half "
                "hour before; “–” when it is no longer kept or the answer was opened with a "
                "button."
            ),
        ),
    ]


async def page(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/feedback`."""
    filters = filters_of(console, request)
    provinces = sorted(
        ((p.id, p.name.get(visit.locale)) for p in console.content.provinces.values()),
        key=lambda item: item[1],
    )
    return console.render(
        request,
        "feedback.html",
        visit.locale,
        visit,
        section="feedback",
        filters=filters,
        provinces=provinces,
        tables=await tables(console, request, visit),
    )


SECTION = Section(
    key="feedback",
    title=N_("Feedback"),
    role="admin",
    routes=(Route("GET", "", page),),
    tables=tables,
)
