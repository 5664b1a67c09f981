"""Message text is kept only MESSAGE_RETENTION_DAYS days; this removes what is older."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.engine import Connection

from bot.storage.database import Database
from bot.storage.models import InboundSeen, MessageLog, utcnow

# Redelivered channel messages arrive within minutes; a week of ids is plenty.
SEEN_IDS_KEPT = dt.timedelta(days=7)


def _purge(connection: Connection, retention_days: int, now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=retention_days)
    result = connection.execute(delete(MessageLog).where(MessageLog.created_at < cutoff))
    connection.execute(delete(InboundSeen).where(InboundSeen.created_at < now - SEEN_IDS_KEPT))
    return int(result.rowcount)


async def purge_messages(
    database: Database, retention_days: int, now: dt.datetime | None = None
) -> int:
    """Delete logged message text older than the retention period; return how many went."""
    return await database.run(_purge, retention_days, now or utcnow())
