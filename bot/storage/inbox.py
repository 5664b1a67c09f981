"""The inbox: channel events written down before they are acknowledged, then handled.

A webhook that must answer fast (Zalo) stores the event, answers 200, and handles it
afterwards; events still pending at start (a crash, a restart) are handled then. The
unique (channel, event id) key makes a redelivered event a no-op.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from bot.storage import dialect
from bot.storage.models import InboxEvent, utcnow

# An event that failed this many times is left for a person to look at, not retried forever.
MAX_ATTEMPTS = 5


def store(
    connection: Connection, channel: str, event_id: str, payload: dict[str, Any]
) -> int | None:
    """Store an event; its inbox id, or None when it was stored before (a redelivery)."""
    return connection.execute(
        dialect.insert(connection, InboxEvent)
        .values(
            channel=channel,
            event_id=event_id[:128],
            payload=payload,
            received_at=utcnow(),
            attempts=0,
        )
        .on_conflict_do_nothing()
        .returning(InboxEvent.id)
    ).scalar()


def store_many(
    connection: Connection, channel: str, events: list[tuple[str, dict[str, Any]]]
) -> list[int | None]:
    """Store several events in one transaction (a group commit): each one's inbox id, or
    None for one stored before."""
    return [store(connection, channel, event_id, payload) for event_id, payload in events]


def take(connection: Connection, inbox_id: int) -> dict[str, Any] | None:
    """Count an attempt at an event and return it, or None if it is done or given up."""
    row = connection.execute(
        select(InboxEvent.payload, InboxEvent.attempts, InboxEvent.done_at)
        .where(InboxEvent.id == inbox_id)
        .with_for_update()
    ).first()
    if row is None or row.done_at is not None or row.attempts >= MAX_ATTEMPTS:
        return None
    connection.execute(
        update(InboxEvent).where(InboxEvent.id == inbox_id).values(attempts=row.attempts + 1)
    )
    return dict(row.payload)


# Built once: this runs for every update a channel handles.
_FINISH = (
    update(InboxEvent).where(InboxEvent.id == bindparam("f_id")).values(done_at=bindparam("f_done"))
)


def finish(connection: Connection, inbox_id: int | list[int]) -> None:
    """Mark an event (or several, in one statement) handled."""
    ids = inbox_id if isinstance(inbox_id, list) else [inbox_id]
    if ids:
        now = utcnow()
        connection.execute(_FINISH, [{"f_id": one, "f_done": now} for one in ids])


def pending(connection: Connection, channel: str, limit: int = 500) -> list[int]:
    """Ids of events not handled yet, oldest first."""
    return list(
        connection.execute(
            select(InboxEvent.id)
            .where(
                InboxEvent.channel == channel,
                InboxEvent.done_at.is_(None),
                InboxEvent.attempts < MAX_ATTEMPTS,
            )
            .order_by(InboxEvent.id)
            .limit(limit)
        ).scalars()
    )


def pending_events(
    connection: Connection, channel: str, after: int = 0, limit: int = 500
) -> list[tuple[int, dict[str, Any]]]:
    """(inbox id, payload) of events not handled yet with an id above `after`, oldest first:
    what a channel that orders events by their content needs to queue them at start."""
    rows = connection.execute(
        select(InboxEvent.id, InboxEvent.payload)
        .where(
            InboxEvent.channel == channel,
            InboxEvent.done_at.is_(None),
            InboxEvent.attempts < MAX_ATTEMPTS,
            InboxEvent.id > after,
        )
        .order_by(InboxEvent.id)
        .limit(limit)
    )
    return [(row.id, dict(row.payload)) for row in rows]
