"""A channel's memory of a person between messages, outside the conversation state.

Channels with reply windows and quotas (Zalo) keep the person's last message here, with how
many messages answered it, and the numbered choices they last showed. Rows belong to a
person (`users.id`) and go when the person's data is deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.storage import dialect
from bot.storage.models import ChannelThread, User, utcnow


@dataclass
class Thread:
    """One person's thread on one channel."""

    user_id: int
    locale: str
    last_message_id: str | None = None
    last_message_at: dt.datetime | None = None
    replies: int = 0
    notified: bool = False
    choices: list[str] = field(default_factory=list)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite returns naive datetimes
        return moment.replace(tzinfo=dt.UTC)
    return moment


_LOAD = (
    select(
        User.id,
        User.locale,
        ChannelThread.last_message_id,
        ChannelThread.last_message_at,
        ChannelThread.replies,
        ChannelThread.notified,
        ChannelThread.choices,
    )
    .select_from(User)
    .outerjoin(ChannelThread, ChannelThread.user_id == User.id)
)


def load(connection: Connection, channel: str, external_id: str) -> Thread | None:
    """The person's thread (empty when none is stored), or None for an unknown person."""
    row = connection.execute(
        _LOAD.where(User.channel == channel, User.external_id == external_id)
    ).first()
    if row is None:
        return None
    choices = row.choices.get("actions", []) if isinstance(row.choices, dict) else []
    return Thread(
        user_id=row.id,
        locale=row.locale,
        last_message_id=row.last_message_id,
        last_message_at=_aware(row.last_message_at),
        replies=row.replies or 0,
        notified=bool(row.notified),
        choices=[str(action) for action in choices],
    )


def save(connection: Connection, thread: Thread) -> None:
    """Write the thread (insert or replace)."""
    values = {
        "last_message_id": thread.last_message_id,
        "last_message_at": thread.last_message_at,
        "replies": thread.replies,
        "notified": thread.notified,
        "choices": {"actions": list(thread.choices)},
        "updated_at": utcnow(),
    }
    statement = dialect.insert(connection, ChannelThread).values(user_id=thread.user_id, **values)
    connection.execute(
        statement.on_conflict_do_update(index_elements=[ChannelThread.user_id], set_=values)
    )
