"""Message text is kept only MESSAGE_RETENTION_DAYS days; this removes what is older."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.engine import Connection

from bot.storage.database import Database
from bot.storage.models import InboundSeen, InboxEvent, MessageLog, utcnow

# Redelivered channel messages arrive within minutes; a week of ids is plenty.
SEEN_IDS_KEPT = dt.timedelta(days=7)
# Handled inbox events (raw payloads, with message text) are kept only briefly; redeliveries
# after that are still caught by the message ids kept above.
HANDLED_EVENTS_KEPT = dt.timedelta(days=1)


def _purge(connection: Connection, retention_days: int, now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=retention_days)
    result = connection.execute(delete(MessageLog).where(MessageLog.created_at < cutoff))
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
