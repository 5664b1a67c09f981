"""What the core hands a channel that must remember things: its inbox of received events,
its per-person threads and its credentials, each bound to that channel.

Channels get this instead of the database, so they cannot reach into other tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.storage import credentials, inbox, threads
from bot.storage.database import Database
from bot.storage.threads import Thread


@dataclass(frozen=True)
class ChannelStore:
    """One channel's storage."""

    database: Database
    channel: str

    # --- inbox: events written down before they are acknowledged, then handled ----------

    async def store_event(self, event_id: str, payload: dict[str, Any]) -> int | None:
        """Store an event; its inbox id, or None when it was stored before (a redelivery)."""
        return await self.database.run(inbox.store, self.channel, event_id, payload)

    async def store_events(self, events: list[tuple[str, dict[str, Any]]]) -> list[int | None]:
        """Store several events in one write; each one's inbox id, or None if stored before."""
        return await self.database.run(inbox.store_many, self.channel, events)

    async def take_event(self, inbox_id: int) -> dict[str, Any] | None:
        """Count an attempt at an event and return it, or None if it is done or given up."""
        return await self.database.run(inbox.take, inbox_id)

    async def finish_event(self, inbox_id: int | list[int]) -> None:
        """Mark an event (or several, in one write) handled."""
        await self.database.run(inbox.finish, inbox_id)

    async def pending_ids(self, limit: int = 500) -> list[int]:
        """Ids of this channel's events not handled yet, oldest first."""
        return await self.database.run(inbox.pending, self.channel, limit)

    async def pending_events(
        self, after: int = 0, limit: int = 500
    ) -> list[tuple[int, dict[str, Any]]]:
        """(inbox id, payload) of events not handled yet with an id above `after`."""
        return await self.database.run(inbox.pending_events, self.channel, after, limit)

    # --- threads: what the channel remembers per person -----------------------------------

    async def thread(self, external_id: str) -> Thread | None:
        """The person's thread (empty when none is stored), or None for an unknown person."""
        return await self.database.run(threads.load, self.channel, external_id)

    async def save_thread(self, thread: Thread) -> None:
        """Write the thread."""
        await self.database.run(threads.save, thread)

    # --- credentials: tokens, under the channel's name or a name of its own --------------

    async def credentials(self, name: str | None = None) -> tuple[str, str] | None:
        """(access token, refresh token), or None when none are stored."""
        return await self.database.run(credentials.load, name or self.channel)

    async def seed_credentials(self, access: str, refresh: str, name: str | None = None) -> None:
        """Store the first pair unless a pair is stored already."""
        await self.database.run(credentials.seed, name or self.channel, access, refresh)

    async def replace_credentials(self, used_refresh: str, access: str, refresh: str) -> bool:
        """Store a new pair only if the stored refresh token is still `used_refresh`."""
        return await self.database.run(
            credentials.replace, self.channel, used_refresh, access, refresh
        )
