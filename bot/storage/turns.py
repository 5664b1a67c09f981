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

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

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


def _dialect_insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


async def first_delivery(session: AsyncSession, channel: str, message_id: str) -> bool:
    """Record a channel message id; False when it was recorded before (a redelivery)."""
    statement = (
        _dialect_insert(session)(InboundSeen)
        .values(channel=channel, message_id=message_id[:128], created_at=utcnow())
        .on_conflict_do_nothing()
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


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
    )
    .join(DialogueState, DialogueState.user_id == User.id)
    .with_for_update()
)


async def load_person(
    session: AsyncSession, channel: str, external_id: str, new_locale: str
) -> PersonRow:
    """The person with this channel id and their state, created if new, locked for the turn."""
    query = _LOAD.where(User.channel == channel, User.external_id == external_id)
    row = (await session.execute(query)).first()
    if row is None:
        now = utcnow()
        insert_or_ignore = _dialect_insert(session)
        # Two first messages at once must not both create the person: insert-or-ignore, reread.
        await session.execute(
            insert_or_ignore(User)
            .values(
                channel=channel,
                external_id=external_id,
                locale=new_locale,
                role="citizen",
                created_at=now,
                last_seen_at=now,
            )
            .on_conflict_do_nothing()
        )
        user_id = (
            await session.execute(
                select(User.id).where(User.channel == channel, User.external_id == external_id)
            )
        ).scalar_one()
        await session.execute(
            insert_or_ignore(DialogueState)
            .values(user_id=user_id, data={}, updated_at=now)
            .on_conflict_do_nothing()
        )
        row = (await session.execute(query)).one()
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
    )


async def save_turn(
    session: AsyncSession,
    person: PersonRow,
    changes: dict[str, Any],
    state: dict[str, Any],
    events: Sequence[dict[str, Any]],
    message: dict[str, Any] | None,
) -> None:
    """Write what a turn changed: person fields, state, events and the logged message."""
    now = utcnow()
    if events:
        await session.execute(insert(Event), [{"created_at": now, **e} for e in events])
    if changes or now - person.last_seen_at > LAST_SEEN_PRECISION:
        await session.execute(
            update(User).where(User.id == person.id).values(last_seen_at=now, **changes)
        )
    if person.state != state:
        await session.execute(
            update(DialogueState)
            .where(DialogueState.user_id == person.id)
            .values(data=state, updated_at=now)
        )
    if message is not None:
        await session.execute(
            insert(MessageLog).values(user_id=person.id, created_at=now, **message)
        )


async def delete_person(session: AsyncSession, person_id: int) -> None:
    """Delete a person; their state and messages go with them, events are unlinked."""
    await session.execute(delete(User).where(User.id == person_id))
