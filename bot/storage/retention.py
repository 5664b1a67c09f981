"""Message text is kept only MESSAGE_RETENTION_DAYS days; this removes what is older.

People on channels that cannot message them first (the web chat, the terminal) are kept
only while they use the bot: once idle SESSION_RETENTION_DAYS, the person goes with their
conversation state, messages and channel thread, as if they had deleted their data. Their
analytics events stay, unlinked (`user_id` NULL: kind, topic, guide, province, channel and
day, no identifier), which is what the statistics count; a session that never got past the
greeting recorded none, so it leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from bot.storage.database import Database
from bot.storage.models import InboundSeen, InboxEvent, MessageLog, User, utcnow
from bot.storage.ticket_tables import TicketMessage

# Redelivered channel messages arrive within minutes; a week of ids is plenty.
SEEN_IDS_KEPT = dt.timedelta(days=7)
# Handled inbox events (raw payloads, with message text) are kept only briefly; redeliveries
# after that are still caught by the message ids kept above.
HANDLED_EVENTS_KEPT = dt.timedelta(days=1)
# Idle people are deleted this many per transaction, so turns are never held up long.
SESSION_BATCH = 500


def _purge(connection: Connection, retention_days: int, now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=retention_days)
    result = connection.execute(delete(MessageLog).where(MessageLog.created_at < cutoff))
    # Live support messages go with the same retention, once relayed (bot/tickets).
    connection.execute(
        delete(TicketMessage).where(
            TicketMessage.created_at < cutoff, TicketMessage.due_at.is_(None)
        )
    )
    connection.execute(delete(InboundSeen).where(InboundSeen.created_at < now - SEEN_IDS_KEPT))
    connection.execute(delete(InboxEvent).where(InboxEvent.done_at < now - HANDLED_EVENTS_KEPT))
    connection.execute(
        delete(InboxEvent).where(InboxEvent.done_at.is_(None), InboxEvent.received_at < cutoff)
    )
    return int(result.rowcount)


async def purge_messages(
    database: Database, retention_days: int, now: dt.datetime | None = None
) -> int:
    """Delete logged message text older than the retention period; return how many went."""
    return await database.run(_purge, retention_days, now or utcnow())


def _purge_idle_batch(
    connection: Connection, keep: Sequence[str], cutoff: dt.datetime, limit: int
) -> int:
    idle = (User.channel.not_in(keep), User.last_seen_at < cutoff)
    ids = list(connection.execute(select(User.id).where(*idle).limit(limit)).scalars())
    if not ids:
        return 0
    # The idle test again: on PostgreSQL someone may have written meanwhile.
    result = connection.execute(delete(User).where(User.id.in_(ids), *idle))
    return int(result.rowcount)


async def purge_idle_sessions(
    database: Database,
    messaging_channels: Sequence[str],
    idle_days: int,
    now: dt.datetime | None = None,
    batch: int = SESSION_BATCH,
) -> int:
    """Delete people on channels other than `messaging_channels` not seen for `idle_days`.

    Their state, messages, threads and deliveries go with them; their events are unlinked.
    Returns how many people were deleted.
    """
    cutoff = (now or utcnow()) - dt.timedelta(days=idle_days)
    removed = 0
    while True:
        count = await database.run(_purge_idle_batch, tuple(messaging_channels), cutoff, batch)
        removed += count
        if count < batch:
            return removed
