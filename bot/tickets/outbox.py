"""The relay's queue: ticket messages due for the desk or the citizen, claimed with a lease.

A message is due when one of its sides is `pending` and `due_at` has come. Claiming moves
`due_at` a lease ahead, so a relay that dies mid-way leaves messages that another takes up
after the lease (on PostgreSQL claims skip rows another relay holds: `FOR UPDATE SKIP
LOCKED`). A side is marked `sent` only after the platform took it; otherwise the message is
due again after a back-off. At most the messages in flight when a process is killed can be
relayed twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from bot.storage.ticket_tables import Ticket, TicketMessage
from bot.tickets.model import MessageView, RelayState, TicketView
from bot.tickets.store import (
    MESSAGES,
    OPEN_STATES,
    add_message,
    message_view,
    ticket_view,
    tickets_query,
)

LEASE = dt.timedelta(seconds=60)
NOTICE_QUOTE = 120  # characters of an undelivered reply quoted back to the operators


@dataclass(frozen=True)
class Settled:
    """What became of one claimed message. A side left None keeps its state; `retry_at`
    is when to try what is still pending; `notice` tells the desk that the citizen did not
    get it (`reason` says why)."""

    to_desk: RelayState | None = None
    to_citizen: RelayState | None = None
    desk_ref: str | None = None
    ticket_ref: str | None = None
    reason: str | None = None
    retry_at: dt.datetime | None = None
    attempted: bool = False
    notice: bool = False


def claim(
    connection: Connection, now: dt.datetime, limit: int
) -> list[tuple[MessageView, TicketView]]:
    """Take up to `limit` due messages (oldest first) for a lease; with their tickets."""
    query = (
        select(TicketMessage.id)
        .where(TicketMessage.due_at <= now)
        .order_by(TicketMessage.id)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(connection.execute(query).scalars())
    if not ids:
        return []
    connection.execute(
        update(TicketMessage).where(TicketMessage.id.in_(ids)).values(due_at=now + LEASE)
    )
    rows = connection.execute(
        select(MESSAGES).where(TicketMessage.id.in_(ids)).order_by(TicketMessage.id)
    ).all()
    found = [message_view(row) for row in rows]
    wanted = {message.ticket_id for message in found}
    tickets = {
        view.id: view
        for view in map(
            ticket_view, connection.execute(tickets_query().where(Ticket.id.in_(wanted)))
        )
    }
    return [(message, tickets[message.ticket_id]) for message in found]


def settle(
    connection: Connection,
    message: MessageView,
    settled: Settled,
    now: dt.datetime,
    announce: bool,
) -> None:
    """Write what became of a claimed message (and the notice for the desk, if any)."""
    to_desk = settled.to_desk or message.to_desk
    to_citizen = settled.to_citizen or message.to_citizen
    pending = "pending" in (to_desk, to_citizen)
    values: dict[str, object] = {
        "to_desk": to_desk,
        "to_citizen": to_citizen,
        "due_at": (settled.retry_at or now) if pending else None,
        "attempts": message.attempts + (1 if settled.attempted else 0),
    }
    if settled.desk_ref is not None:
        values["desk_ref"] = settled.desk_ref
    if settled.reason is not None:
        values["reason"] = settled.reason[:64]
    connection.execute(update(TicketMessage).where(TicketMessage.id == message.id).values(values))
    if settled.ticket_ref is not None:
        connection.execute(
            update(Ticket)
            .where(Ticket.id == message.ticket_id)
            .values(desk_ref=settled.ticket_ref, announced_at=now)
        )
    if settled.notice:
        add_message(
            connection,
            message.ticket_id,
            "system",
            "undelivered",
            now,
            text=message.text[:NOTICE_QUOTE],
            author=message.author,
            to_desk="pending" if announce else "none",
            reason=(settled.reason or "")[:64] or None,
        )


def defer(connection: Connection, message_id: int, until: dt.datetime) -> None:
    """Try a message again at `until` without counting an attempt (it waits for another)."""
    connection.execute(
        update(TicketMessage).where(TicketMessage.id == message_id).values(due_at=until)
    )


def due_reminders(connection: Connection, now: dt.datetime, every: dt.timedelta) -> list[int]:
    """Open tickets announced at least `every` ago that no operator has answered yet."""
    return list(
        connection.execute(
            select(Ticket.id)
            .where(
                Ticket.state.in_(OPEN_STATES),
                Ticket.answered_at.is_(None),
                Ticket.desk_ref.is_not(None),
                Ticket.announced_at <= now - every,
            )
            .order_by(Ticket.id)
        ).scalars()
    )


def remind(connection: Connection, ticket_id: int, now: dt.datetime) -> None:
    """Queue a reminder for the desk and count it as an announcement."""
    connection.execute(update(Ticket).where(Ticket.id == ticket_id).values(announced_at=now))
    add_message(connection, ticket_id, "system", "reminder", now, to_desk="pending")
