"""Live support tickets (issue 15): a citizen handed over to a person, and what they said.

The least data that works. A ticket holds the person's id (no name, no phone number), their
channel, province and language, why they were handed over, where they were (topic, guide
step), its state, the first name of the operator who took it, the operator-side reference of
the message that announced it, and whether the problem was solved. A ticket message holds
who spoke (the citizen, an operator, or the system), the text with phone and ID numbers
masked (bot/tickets/scrub.py), and where it stands on its way to the other side (the relay
outbox, bot/tickets/outbox.py). Message text is purged after MESSAGE_RETENTION_DAYS, like
the message log; tickets and messages go with the person when they delete their data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow


class Ticket(Base):
    """One hand-over: states `waiting` (no operator yet), `taken`, `closed`."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_user_state", "user_id", "state"),
        Index("ix_tickets_state_created", "state", "created_at"),
        Index("ix_tickets_desk_ref", "desk_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    province: Mapped[str | None] = mapped_column(String(32), default=None)
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    reason: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(64), default=None)
    guide: Mapped[str | None] = mapped_column(String(64), default=None)
    branch: Mapped[str | None] = mapped_column(String(32), default=None)
    step: Mapped[str | None] = mapped_column(String(32), default=None)
    state: Mapped[str] = mapped_column(String(8), default="waiting")
    # The first name of the operator who took it (or answered first), nothing more.
    operator: Mapped[str | None] = mapped_column(String(64), default=None)
    # Where the operators' desk announced it ("<chat id>:<message id>" on Telegram).
    desk_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    solved: Mapped[bool | None] = mapped_column(Boolean, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    taken_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # The first operator answer (the response time), and the last time it was announced.
    answered_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    announced_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    closed_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class TicketMessage(Base):
    """Something said in a ticket, and its relay: `to_desk` / `to_citizen` are `none` (not for
    that side), `pending`, `sent`, `skipped` (the platform would not take it: `reason`) or
    `failed`. `due_at` is when the relay should try (again); NULL when nothing is left."""

    __tablename__ = "ticket_messages"
    __table_args__ = (
        Index("ix_ticket_messages_ticket", "ticket_id", "id"),
        Index("ix_ticket_messages_due", "due_at"),
        Index("ix_ticket_messages_desk_ref", "desk_ref"),
        Index("ix_ticket_messages_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    # An operator's first name, on what they wrote or did.
    author: Mapped[str | None] = mapped_column(String(64), default=None)
    to_desk: Mapped[str] = mapped_column(String(8), default="none")
    to_citizen: Mapped[str] = mapped_column(String(8), default="none")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    reason: Mapped[str | None] = mapped_column(String(64), default=None)
    desk_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
