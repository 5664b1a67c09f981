"""Message text is kept only MESSAGE_RETENTION_DAYS days; this removes what is older."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from bot.storage.database import Database
from bot.storage.models import InboundSeen, MessageLog, utcnow

# Redelivered channel messages arrive within minutes; a week of ids is plenty.
SEEN_IDS_KEPT = dt.timedelta(days=7)


async def purge_messages(
    database: Database, retention_days: int, now: dt.datetime | None = None
) -> int:
    """Delete logged message text older than the retention period; return how many went."""
    now = now or utcnow()
    async with database.transaction() as session:
        cutoff = now - dt.timedelta(days=retention_days)
        result = await session.execute(delete(MessageLog).where(MessageLog.created_at < cutoff))
        await session.execute(
            delete(InboundSeen).where(InboundSeen.created_at < now - SEEN_IDS_KEPT)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
