"""Reading tickets: for the desk (which ticket a message belongs to), the admin pages (lists,
one ticket's conversation) and the citizen's live view (what staff wrote for them)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from bot.storage.models import User
from bot.storage.ticket_tables import Ticket, TicketMessage
from bot.tickets.model import MessageView, TicketState, TicketView
from bot.tickets.store import MESSAGES, OPEN_STATES, message_view, ticket_view, tickets_query


def load_ticket(connection: Connection, ticket_id: int) -> TicketView | None:
    """A ticket with its person's channel id, or None."""
    row = connection.execute(tickets_query().where(Ticket.id == ticket_id)).first()
    return ticket_view(row) if row is not None else None


def ticket_by_ref(connection: Connection, ref: str) -> int | None:
    """The ticket whose announcement, or one of whose messages, the desk posted as `ref`."""
    found = connection.execute(select(Ticket.id).where(Ticket.desk_ref == ref)).scalar()
    if found is None:
        found = connection.execute(
            select(TicketMessage.ticket_id).where(TicketMessage.desk_ref == ref)
        ).scalar()
    return int(found) if found is not None else None


def messages(connection: Connection, ticket_id: int) -> list[MessageView]:
    """A ticket's messages, oldest first."""
    rows = connection.execute(
        select(MESSAGES).where(TicketMessage.ticket_id == ticket_id).order_by(TicketMessage.id)
    ).all()
    return [message_view(row) for row in rows]


def list_tickets(
    connection: Connection, states: Sequence[TicketState], limit: int = 200
) -> list[TicketView]:
    """Tickets in these states, the newest first."""
    rows = connection.execute(
        tickets_query().where(Ticket.state.in_(states)).order_by(Ticket.id.desc()).limit(limit)
    ).all()
    return [ticket_view(row) for row in rows]


def feed(
    connection: Connection, channel: str, external_id: str, after: int, limit: int = 50
) -> tuple[list[tuple[MessageView, str]], int]:
    """(message, the ticket's language) of what was written for a person in their tickets
    after message `after`, oldest first, and where to carry on from. From the start (`after`
    0) only their tickets that are still open count, and the cursor skips the rest."""
    person = (User.channel == channel, User.external_id == external_id)
    cursor = after
    if after <= 0:
        latest = connection.execute(
            select(func.max(TicketMessage.id))
            .join(Ticket, Ticket.id == TicketMessage.ticket_id)
            .join(User, User.id == Ticket.user_id)
            .where(*person)
        ).scalar()
        cursor = int(latest or 0)
    query = (
        select(*MESSAGES.c, Ticket.locale.label("ticket_locale"))
        .select_from(TicketMessage)
        .join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .join(User, User.id == Ticket.user_id)
        .where(*person, TicketMessage.id > after, TicketMessage.to_citizen != "none")
        .order_by(TicketMessage.id)
        .limit(limit)
    )
    if after <= 0:
        query = query.where(Ticket.state.in_(OPEN_STATES))
    found = [(message_view(row), str(row.ticket_locale)) for row in connection.execute(query)]
    if found:
        cursor = found[-1][0].id if len(found) == limit else max(cursor, found[-1][0].id)
    return found, cursor


def live_feed(
    connection: Connection, channel: str, external_id: str, after: int
) -> tuple[list[tuple[MessageView, str]], int, bool]:
    """`feed`, and whether the person still has a ticket open, read together (in one
    transaction: a chat closed in between cannot look open without its last message)."""
    found, cursor = feed(connection, channel, external_id, after)
    return found, cursor, person_is_live(connection, channel, external_id)


def person_is_live(connection: Connection, channel: str, external_id: str) -> bool:
    """True when the person has a ticket that is not closed."""
    found = connection.execute(
        select(Ticket.id)
        .join(User, User.id == Ticket.user_id)
        .where(
            User.channel == channel,
            User.external_id == external_id,
            Ticket.state.in_(OPEN_STATES),
        )
        .limit(1)
    ).scalar()
    return found is not None
