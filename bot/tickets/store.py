"""The SQL of tickets: plain functions of a `Connection`, run inside a turn's transaction
(opening a ticket, the citizen's messages) or in one of their own (operators' actions).

Each change that the other side must hear of writes a message with its relay marked
`pending` in the same transaction (the outbox, bot/tickets/outbox.py relays it): nothing is
announced that was not stored, and nothing stored is lost if the process stops.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.engine import Connection, Row

from bot.storage.models import MessageLog, User
from bot.storage.ticket_tables import Ticket, TicketMessage
from bot.tickets.model import (
    Change,
    Direction,
    MessageKind,
    MessageView,
    RelayState,
    TicketDraft,
    TicketState,
    TicketView,
)
from bot.tickets.scrub import scrub

TICKETS = cast(Table, Ticket.__table__)
MESSAGES = cast(Table, TicketMessage.__table__)
OPEN_STATES = ("waiting", "taken")
_TICKET_COLUMNS = (*TICKETS.c, User.external_id)


def ticket_view(row: Row[Any] | Any) -> TicketView:
    """A row of `_TICKET_COLUMNS` as a view."""
    values = dict(row._mapping)
    return TicketView(**{k: v for k, v in values.items() if k in TicketView.__dataclass_fields__})


def message_view(row: Row[Any] | Any) -> MessageView:
    """A row of ticket_messages as a view."""
    values = dict(row._mapping)
    return MessageView(**{k: v for k, v in values.items() if k in MessageView.__dataclass_fields__})


def tickets_query() -> Any:
    """SELECT tickets with their person's channel id (ready for `ticket_view`)."""
    return select(*_TICKET_COLUMNS).join(User, User.id == Ticket.user_id)


def add_message(
    connection: Connection,
    ticket_id: int,
    direction: Direction,
    kind: MessageKind,
    now: dt.datetime,
    text: str = "",
    author: str | None = None,
    to_desk: RelayState = "none",
    to_citizen: RelayState = "none",
    desk_ref: str | None = None,
    reason: str | None = None,
) -> int:
    """Write a ticket message; due for the relay now when a side is pending. Its id."""
    pending = "pending" in (to_desk, to_citizen)
    result = connection.execute(
        insert(MESSAGES).values(
            ticket_id=ticket_id,
            direction=direction,
            kind=kind,
            text=text,
            author=author,
            to_desk=to_desk,
            to_citizen=to_citizen,
            attempts=0,
            due_at=now if pending else None,
            desk_ref=desk_ref,
            reason=reason,
            created_at=now,
        )
    )
    return int(cast(Sequence[int], result.inserted_primary_key)[0])


def open_ticket(
    connection: Connection,
    draft: TicketDraft,
    now: dt.datetime,
    context_messages: int,
    keep: Iterable[str],
    announce: bool,
) -> int:
    """Open a ticket with the person's last typed messages as context; its id. `announce`
    queues it for the operators' desk."""
    result = connection.execute(
        insert(TICKETS).values(
            user_id=draft.user_id,
            channel=draft.channel,
            province=draft.province,
            locale=draft.locale,
            reason=draft.reason,
            topic=draft.topic,
            guide=draft.guide,
            branch=draft.branch,
            step=draft.step,
            state="waiting",
            created_at=now,
        )
    )
    ticket_id = int(cast(Sequence[int], result.inserted_primary_key)[0])
    typed = connection.execute(
        select(MessageLog.text, MessageLog.created_at)
        .where(MessageLog.user_id == draft.user_id)
        .order_by(MessageLog.id.desc())
        .limit(context_messages)
    ).all()
    kept = list(keep)
    for text, created_at in reversed(typed):
        connection.execute(
            insert(MESSAGES).values(
                ticket_id=ticket_id,
                direction="citizen",
                kind="context",
                text=scrub(text, kept),
                to_desk="none",
                to_citizen="none",
                attempts=0,
                created_at=created_at,
            )
        )
    add_message(
        connection, ticket_id, "system", "opened", now, to_desk="pending" if announce else "none"
    )
    return ticket_id


def open_ticket_of(connection: Connection, user_id: int) -> int | None:
    """The id of the person's ticket that is not closed, if any."""
    found = connection.execute(
        select(Ticket.id)
        .where(Ticket.user_id == user_id, Ticket.state.in_(OPEN_STATES))
        .order_by(Ticket.id.desc())
        .limit(1)
    ).scalar()
    return int(found) if found is not None else None


def ticket_state(connection: Connection, ticket_id: int) -> TicketState | None:
    """A ticket's state, or None when there is no such ticket."""
    found = connection.execute(select(Ticket.state).where(Ticket.id == ticket_id)).scalar()
    return cast(TicketState, found) if found is not None else None


def citizen_texts(connection: Connection, ticket_id: int) -> int:
    """How many messages the citizen wrote in the ticket since it opened."""
    count = connection.execute(
        select(func.count())
        .select_from(TicketMessage)
        .where(
            TicketMessage.ticket_id == ticket_id,
            TicketMessage.direction == "citizen",
            TicketMessage.kind == "text",
        )
    ).scalar()
    return int(count or 0)


def take(
    connection: Connection, ticket_id: int, operator: str, now: dt.datetime, announce: bool
) -> Change:
    """An operator takes a waiting ticket (the desk hears of it)."""
    state = ticket_state(connection, ticket_id)
    if state is None:
        return "unknown"
    if state != "waiting":
        return "closed" if state == "closed" else "already"
    changed = connection.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.state == "waiting")
        .values(state="taken", operator=operator, taken_at=now)
    ).rowcount
    if not changed:
        return "already"
    to_desk: RelayState = "pending" if announce else "none"
    add_message(connection, ticket_id, "system", "taken", now, author=operator, to_desk=to_desk)
    return "done"


def reply(
    connection: Connection,
    ticket_id: int,
    operator: str,
    text: str,
    now: dt.datetime,
    desk_ref: str | None,
    announce: bool,
) -> Change:
    """An operator's answer, for the citizen. From the desk (`desk_ref`: where they wrote
    it) the desk has it already; from elsewhere (the admin pages) it is posted there too."""
    state = ticket_state(connection, ticket_id)
    if state is None:
        return "unknown"
    if state == "closed":
        return "closed"
    connection.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id)
        .values(
            state="taken",
            operator=func.coalesce(Ticket.operator, operator),
            taken_at=func.coalesce(Ticket.taken_at, now),
            answered_at=func.coalesce(Ticket.answered_at, now),
        )
    )
    if state == "waiting":  # answering takes it: the desk's card says who
        taken: RelayState = "pending" if announce else "none"
        add_message(connection, ticket_id, "system", "taken", now, author=operator, to_desk=taken)
    to_desk: RelayState = "pending" if announce and desk_ref is None else "none"
    add_message(
        connection,
        ticket_id,
        "operator",
        "text",
        now,
        text=text,
        author=operator,
        to_desk=to_desk,
        to_citizen="pending",
        desk_ref=desk_ref,
    )
    return "done"


def close(
    connection: Connection,
    ticket_id: int,
    now: dt.datetime,
    operator: str | None,
    announce: bool,
) -> Change:
    """Close a ticket: by an operator (`operator`: the citizen is asked whether it was
    solved) or by the citizen (None: they were asked in their own turn)."""
    changed = connection.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.state.in_(OPEN_STATES))
        .values(state="closed", closed_at=now)
    ).rowcount
    if not changed:
        return "unknown" if ticket_state(connection, ticket_id) is None else "already"
    to_desk: RelayState = "pending" if announce else "none"
    if operator is None:
        add_message(connection, ticket_id, "system", "ended", now, to_desk=to_desk)
    else:
        add_message(
            connection,
            ticket_id,
            "system",
            "closed",
            now,
            author=operator,
            to_desk=to_desk,
            to_citizen="pending",
        )
    return "done"


def rate(connection: Connection, ticket_id: int, user_id: int, solved: bool) -> bool:
    """Record whether the person's closed ticket solved their problem, once; False when it is
    not theirs, not closed, or answered already."""
    changed = connection.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.user_id == user_id, Ticket.state == "closed")
        .where(Ticket.solved.is_(None))
        .values(solved=solved)
    ).rowcount
    return bool(changed)
