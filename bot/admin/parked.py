"""Parked channel events: inbox entries (Telegram updates, Zalo events) that failed
`MAX_ATTEMPTS` times and are no longer tried (bot/storage/inbox.py). An admin can retry one
(its attempts start again from zero: the channel handles it when it next reads its inbox,
at its next start) or discard it (marked done; purged with the handled events a day later).
The page shows what kind of event it was, never its text or the person's id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from bot.admin.render import Console, see_other
from bot.admin.sections import Route, Section, Visit
from bot.admin.tables import Column, Table
from bot.i18n import N_
from bot.storage.inbox import MAX_ATTEMPTS
from bot.storage.models import InboxEvent, utcnow

SHOWN = 500
_PARKED = (InboxEvent.done_at.is_(None), InboxEvent.attempts >= MAX_ATTEMPTS)


def event_kind(payload: dict[str, Any]) -> str:
    """What kind of event a payload is, without its content: Zalo's `event_name`, or the
    Telegram update's kind (`message`, `callback_query`...)."""
    name = payload.get("event_name")
    if isinstance(name, str):
        return name[:64]
    kinds = sorted(key for key in payload if key != "update_id")
    return ", ".join(kinds)[:64] or "?"


def parked_events(connection: Connection) -> list[tuple[int, str, str, str, dt.datetime, int]]:
    """(inbox id, channel, event id, kind, received at, attempts) of parked events, oldest first."""
    rows = connection.execute(
        select(
            InboxEvent.id,
            InboxEvent.channel,
            InboxEvent.event_id,
            InboxEvent.payload,
            InboxEvent.received_at,
            InboxEvent.attempts,
        )
        .where(*_PARKED)
        .order_by(InboxEvent.id)
        .limit(SHOWN)
    ).all()
    return [
        (
            row.id,
            row.channel,
            row.event_id,
            event_kind(dict(row.payload)),
            row.received_at.replace(tzinfo=dt.UTC)
            if row.received_at.tzinfo is None
            else row.received_at,
            row.attempts,
        )
        for row in rows
    ]


def retry_event(connection: Connection, inbox_id: int) -> bool:
    """Let a parked event be tried again; False when it is not parked."""
    result = connection.execute(
        update(InboxEvent).where(InboxEvent.id == inbox_id, *_PARKED).values(attempts=0)
    )
    return bool(result.rowcount)


def discard_event(connection: Connection, inbox_id: int) -> bool:
    """Give a parked event up for good; False when it is not parked."""
    result = connection.execute(
        update(InboxEvent).where(InboxEvent.id == inbox_id, *_PARKED).values(done_at=utcnow())
    )
    return bool(result.rowcount)


async def tables(console: Console, request: web.Request, visit: Visit) -> list[Table]:
    """The parked events."""
    _ = visit.gettext
    rows = await console.database.run(parked_events)
    return [
        Table(
            "events",
            _("Parked events"),
            (
                Column("id", _("Inbox id"), "number"),
                Column("channel", _("Channel")),
                Column("event_id", _("Event id")),
                Column("kind", _("Kind")),
                Column("received_at", _("Received"), "moment"),
                Column("attempts", _("Attempts"), "number"),
            ),
            rows,
        )
    ]


async def page(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/parked`."""
    return console.render(
        request,
        "parked.html",
        visit.locale,
        visit,
        section="parked",
        table=(await tables(console, request, visit))[0],
        done=request.query.get("done", ""),
        max_attempts=MAX_ATTEMPTS,
    )


async def change(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`POST /admin/parked/{id}/{retry|discard}`."""
    inbox_id, what = request.match_info["id"], request.match_info["what"]
    if not inbox_id.isdigit() or what not in ("retry", "discard"):
        raise web.HTTPNotFound()
    work = retry_event if what == "retry" else discard_event
    changed = await console.database.run(work, int(inbox_id))
    raise see_other(f"/admin/parked?done={what if changed else 'nothing'}")


SECTION = Section(
    key="parked",
    title=N_("Parked events"),
    role="admin",
    routes=(Route("GET", "", page), Route("POST", "/{id}/{what}", change)),
    tables=tables,
)
