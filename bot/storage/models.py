"""Tables. Keep the least data that works: no names, no phone numbers, message text only briefly."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    """Now, in UTC, with the time zone attached."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Base class of every table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
    }


class User(Base):
    """A person on one channel; `external_id` is that channel's id (chat id, follower, session)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_users_channel_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    province: Mapped[str | None] = mapped_column(String(32), default=None)
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    role: Mapped[str] = mapped_column(String(16), default="citizen")
    # Reminders: on unless the person opted out (/stop); channels mark people they can no
    # longer reach (blocked the bot, unfollowed) until those people write again.
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    unreachable_since: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DialogueState(Base):
    """Where a person is in the conversation (guide, step, pending question), as JSON."""

    __tablename__ = "dialogue_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Event(Base):
    """An analytics event. Survives a person's deletion with the person unlinked."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_kind_created", "kind", "created_at"),
        Index("ix_events_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    channel: Mapped[str] = mapped_column(String(16))
    province: Mapped[str | None] = mapped_column(String(32), default=None)
    kind: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(64), default=None)
    guide: Mapped[str | None] = mapped_column(String(64), default=None)
    step: Mapped[str | None] = mapped_column(String(32), default=None)
    confidence: Mapped[float | None] = mapped_column(default=None)
    detail: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MessageLog(Base):
    """What a person typed, kept for MESSAGE_RETENTION_DAYS to see what people ask, then purged."""

    __tablename__ = "message_log"
    __table_args__ = (
        Index("ix_message_log_created", "created_at"),
        Index("ix_message_log_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InboundSeen(Base):
    """Channel message ids already handled, so a redelivered message is handled once."""

    __tablename__ = "inbound_seen"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InboxEvent(Base):
    """A channel event stored before it is acknowledged, so a crash never loses it.

    Unique per channel and event id: a redelivered event is stored (and handled) once.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "event_id", name="uq_inbox_channel_event"),
        Index("ix_inbox_pending", "done_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class ChannelCredentials(Base):
    """A channel's current access and refresh tokens (Zalo rotates them; single use)."""

    __tablename__ = "channel_credentials"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ChannelThread(Base):
    """What a channel remembers about a person between messages, outside the conversation:
    the person's last message (reply windows and quotas) and the numbered choices it last
    showed (so a typed "2" means what the person saw). Deleted with the person."""

    __tablename__ = "channel_threads"
    __table_args__ = (Index("ix_channel_threads_last_message", "last_message_at"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    last_message_id: Mapped[str | None] = mapped_column(String(128), default=None)
    last_message_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # Messages sent in answer to that message, and whether the person was told to write again.
    replies: Mapped[int] = mapped_column(Integer, default=0)
    notified: Mapped[bool] = mapped_column(Boolean, default=False)
    choices: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Broadcast(Base):
    """A reminder for many people: texts per locale, who gets it, when, and where it stands.

    States: draft, scheduled, sending, paused, done, cancelled.
    """

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_due", "state", "next_run_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    buttons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    segment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    every: Mapped[str | None] = mapped_column(String(64), default=None)
    until: Mapped[dt.datetime | None] = mapped_column(default=None)
    next_run_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    occurrence: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64), default="cli")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Where the admin who sent it follows its progress: {"channel", "external_id", "ref"}
    # (ref: the channel's id of the progress message, to edit it), and when it was updated.
    progress: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    progress_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Delivery(Base):
    """One person's copy of one occurrence of a broadcast: the durable sending queue.

    States: pending, sending (claimed until `lease_until`), sent, failed, skipped.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "occurrence", "user_id", name="uq_delivery_once"),
        # Claims read one occurrence's deliveries by state in order (retries by time, new ones
        # by id), and reports count them by state: one index serves both.
        Index("ix_deliveries_claim", "broadcast_id", "occurrence", "state", "lease_until", "id"),
        # Deleting a person deletes their deliveries: found through this, not a scan.
        Index("ix_deliveries_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    occurrence: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(String(64), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(default=None)
