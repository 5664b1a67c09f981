"""The SQL of one conversation turn, kept to a few round trips: a turn happens per message.

Load: one SELECT joining the person and their state, both locked FOR UPDATE on PostgreSQL
(on SQLite, BEGIN IMMEDIATE already locks the database); a new person gets both rows at once.
Save: one batched INSERT for events, one UPDATE for the state when it changed, one INSERT for
the message log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from bot.storage import dialect
from bot.storage.models import DialogueState, Event, InboundSeen, MessageLog, User, utcnow

# `last_seen_at` is for "not seen for N days" questions; refreshing it more often is waste.
LAST_SEEN_PRECISION = dt.timedelta(minutes=5)


@dataclass
class PersonRow:
    """A person and their stored state, as loaded at the start of a turn."""

    id: int
    channel: str
    external_id: str
    province: str | None
    locale: str
    role: str
    last_seen_at: dt.datetime
    state: dict[str, Any]
    subscribed: bool = True
    unreachable: bool = False


def _new_person(connection: Connection) -> Any:
    """The prebuilt insert-or-ignore of a new person, returning its id."""
    name = connection.dialect.name
    if name not in _NEW_PERSON:
        _NEW_PERSON[name] = (
            dialect.insert(connection, User)
            .values(
                channel=bindparam("channel"),
                external_id=bindparam("external_id"),
                locale=bindparam("locale"),
                role="citizen",
                created_at=bindparam("now"),
                last_seen_at=bindparam("now"),
            )
            .on_conflict_do_nothing()
            .returning(User.id)
        )
    return _NEW_PERSON[name]


def first_delivery(connection: Connection, channel: str, message_id: str) -> bool:
    """Record a channel message id; False when it was recorded before (a redelivery)."""
    statement = (
        dialect.insert(connection, InboundSeen)
        .values(channel=channel, message_id=message_id[:128], created_at=utcnow())
        .on_conflict_do_nothing()
    )
    result = connection.execute(statement)
    return bool(result.rowcount)


# Both rows are locked: under READ COMMITTED, PostgreSQL re-reads the latest version only of
# the rows it locks, so locking just the person would hand a waiting turn a stale state.
_LOAD = (
    select(
        User.id,
        User.channel,
        User.external_id,
        User.province,
        User.locale,
        User.role,
        User.last_seen_at,
        DialogueState.data,
        User.subscribed,
        User.unreachable_since,
    )
    .join(DialogueState, DialogueState.user_id == User.id)
    .where(User.channel == bindparam("channel"), User.external_id == bindparam("external_id"))
    .with_for_update()
)
# Statements are built once: building them per call costs more than SQLite running them.
_FIND_ID = select(User.id).where(
    User.channel == bindparam("channel"), User.external_id == bindparam("external_id")
)
_ADD_EVENTS = insert(Event)
_ADD_MESSAGE = insert(MessageLog)
_TOUCH = (
    update(User)
    .where(User.id == bindparam("person_id"))
    .values(
        province=bindparam("province"),
        locale=bindparam("locale"),
        role=bindparam("role"),
        subscribed=bindparam("subscribed"),
        last_seen_at=bindparam("now"),
        # Anyone who writes is reachable again.
        unreachable_since=None,
    )
)
_ADD_STATE = insert(DialogueState).values(
    user_id=bindparam("person_id"), data=bindparam("data"), updated_at=bindparam("now")
)
_NEW_PERSON: dict[str, Any] = {}  # per dialect, built on first use (see _new_person)
_SAVE_STATE = (
    update(DialogueState)
    .where(DialogueState.user_id == bindparam("person_id"))
    .values(data=bindparam("data"), updated_at=bindparam("now"))
)


def is_known(connection: Connection, channel: str, external_id: str) -> bool:
    """True when the person has been stored (they wrote or pressed something before)."""
    found = connection.execute(
        select(User.id).where(User.channel == channel, User.external_id == external_id)
    ).first()
    return found is not None


def load_person(
    connection: Connection, channel: str, external_id: str, new_locale: str
) -> PersonRow:
    """The person with this channel id and their state, created if new, locked for the turn."""
    keys = {"channel": channel, "external_id": external_id}
    row = connection.execute(_LOAD, keys).first()
    if row is not None:
        last_seen = row.last_seen_at
        if last_seen.tzinfo is None:  # SQLite returns naive datetimes
            last_seen = last_seen.replace(tzinfo=dt.UTC)
        return PersonRow(
            id=row.id,
            channel=row.channel,
            external_id=row.external_id,
            province=row.province,
            locale=row.locale,
            role=row.role,
            last_seen_at=last_seen,
            state=row.data,
            subscribed=row.subscribed,
            unreachable=row.unreachable_since is not None,
        )
    now = utcnow()
    # Two first messages at once must not both create the person: insert-or-ignore; the loser
    # of that race gets no id back and reads the winner's rows instead.
    person_id = connection.execute(
        _new_person(connection), {**keys, "locale": new_locale, "now": now}
    ).scalar()
    if person_id is None:
        person_id = connection.execute(_FIND_ID, keys).scalar_one()
        connection.execute(
            dialect.insert(connection, DialogueState)
            .values(user_id=person_id, data={}, updated_at=now)
            .on_conflict_do_nothing()
        )
        return load_person(connection, channel, external_id, new_locale)
    connection.execute(_ADD_STATE, {"person_id": person_id, "data": {}, "now": now})
    return PersonRow(
        id=person_id,
        channel=channel,
        external_id=external_id,
        province=None,
        locale=new_locale,
        role="citizen",
        last_seen_at=now,
        state={},
    )


def save_turn(
    connection: Connection,
    person: PersonRow,
    changes: dict[str, Any],
    state: dict[str, Any],
    events: Sequence[dict[str, Any]],
    message: dict[str, Any] | None,
) -> None:
    """Write what a turn changed: person fields, state, events and the logged message."""
    now = utcnow()
    if events:
        connection.execute(_ADD_EVENTS, [{"created_at": now, **e} for e in events])
    if changes or person.unreachable or now - person.last_seen_at > LAST_SEEN_PRECISION:
        fields = {
            "province": person.province,
            "locale": person.locale,
            "role": person.role,
            "subscribed": person.subscribed,
        }
        connection.execute(_TOUCH, {"person_id": person.id, "now": now, **fields, **changes})
    if person.state != state:
        connection.execute(_SAVE_STATE, {"person_id": person.id, "data": state, "now": now})
    if message is not None:
        connection.execute(_ADD_MESSAGE, {"user_id": person.id, "created_at": now, **message})


def delete_person(connection: Connection, person_id: int) -> None:
    """Delete a person; their state and messages go with them, events are unlinked."""
    connection.execute(delete(User).where(User.id == person_id))


def forget(connection: Connection, channel: str, external_id: str) -> bool:
    """Delete a person by channel id; True when there was one."""
    result = connection.execute(
        delete(User).where(User.channel == channel, User.external_id == external_id)
    )
    return bool(result.rowcount)


def mark_unreachable(connection: Connection, channel: str, external_id: str) -> None:
    """Remember that the channel cannot reach this person (blocked the bot, unfollowed)."""
    connection.execute(
        update(User)
        .where(User.channel == channel, User.external_id == external_id)
        .where(User.unreachable_since.is_(None))
        .values(unreachable_since=utcnow())
    )


def set_subscribed(
    connection: Connection, channel: str, external_id: str, subscribed: bool
) -> None:
    """Turn reminders on or off for a person the channel knows (e.g. unfollowed on Zalo)."""
    connection.execute(
        update(User)
        .where(User.channel == channel, User.external_id == external_id)
        .values(subscribed=subscribed)
    )
