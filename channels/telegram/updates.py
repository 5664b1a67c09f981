"""Webhook updates through the inbox: stored before Telegram gets its 200, then handled per
chat in `update_id` order, several chats at once.

The webhook request only writes the update down (bot/storage/inbox.py, as Zalo does) and
queues it; the handling, and any 429 wait while replying, happens in the queue's workers.
Updates a crash or a stop left unhandled are queued again when the channel comes up, before
anything new is handled. A redelivered update (same `update_id`) is stored once, and the
core's message-id check answers a message at most once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application

from bot.storage.channel_store import ChannelStore
from channels.telegram.ordering import ChatQueue
from channels.telegram.plain import PlainUpdate, read_plain

log = logging.getLogger(__name__)

CHANNEL = "telegram"
PAGE = 500
MARK_GROUP = 64  # handled updates marked done in one write ...
MARK_LINGER_SECONDS = 0.05  # ... or after this long, whichever comes first
STOP_GRACE_SECONDS = 10.0  # on stop, updates being handled may finish for this long


# Telegram's update ids are positive and sequential; anything beyond this is not one (and
# would not fit the database's integers).
MAX_UPDATE_ID = 2**53


def update_id(payload: dict[str, Any]) -> int | None:
    """The update's id, or None when the payload does not look like a Telegram update."""
    value = payload.get("update_id")
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value if 0 <= value < MAX_UPDATE_ID else None


def parse(payload: dict[str, Any], bot: Bot) -> Update | None:
    """The payload as an `Update`, or None when PTB cannot read it."""
    if update_id(payload) is None:
        return None
    try:
        return Update.de_json(payload, bot)
    except Exception:  # any malformed field: de_json raises KeyError, TypeError, ...
        return None


def chat_of(update: Update | None) -> Hashable:
    """Whose order an update belongs to: its chat, else its user (inline queries)."""
    if update is None:
        return "-"
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return "-"


class UpdateInbox:
    """Stores webhook updates and hands them to the application in order per chat."""

    def __init__(
        self,
        store: ChannelStore,
        application: Application[Any, Any, Any, Any, Any, Any],
        concurrency: int,
    ) -> None:
        self.store = store
        self.application = application
        self.queue = ChatQueue(self._process, concurrency)
        # Handles the plain shapes (plain.py) without PTB; None sends everything through PTB.
        self.plain: Callable[[PlainUpdate], Awaitable[None]] | None = None
        self.grace = STOP_GRACE_SECONDS
        # Updates received by this process, in hand: handled without reading them back.
        # (An attempt is counted only when an update is read back after a restart, which is
        # where an update that crashes the process would otherwise loop.)
        self._fresh: dict[int, dict[str, Any]] = {}
        # Handled updates are marked done in groups: the turn itself already recorded the
        # update as delivered (its redelivery guard), so a mark lost in a crash only means
        # the update is read back and found answered; one write per update cost as much as
        # the turn's own.
        self._handled: list[int] = []
        # Updates waiting to be stored, and the write that stores them.
        self._storing: list[tuple[str, dict[str, Any], asyncio.Future[int | None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._marking: asyncio.Task[None] | None = None

    async def receive(self, payload: dict[str, Any], chat: Hashable, number: int) -> bool:
        """Store an update (durably, before the caller answers 200) and queue it.

        False when it was stored before: a redelivery, which is not queued again.
        """
        inbox_id = await self._stored(str(number), payload)
        if inbox_id is None:
            log.info("telegram: redelivered update %s ignored", number)
            return False
        self._fresh[inbox_id] = payload
        self.queue.put(chat, number, inbox_id)
        return True

    async def _stored(self, event_id: str, payload: dict[str, Any]) -> int | None:
        """Store one update, sharing the write with updates arriving meanwhile (a group
        commit: each webhook request still waits until its update is in the database)."""
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._storing.append((event_id, payload, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_stored())
        return await done

    async def _write_stored(self) -> None:
        while self._storing:
            group, self._storing = self._storing, []
            try:
                ids = await self.store.store_events([(e, p) for e, p, _ in group])
            except Exception as error:  # every request in the group answers 5xx: resent
                for _, _, done in group:
                    done.set_exception(error)
            else:
                for (_, _, done), inbox_id in zip(group, ids, strict=True):
                    done.set_result(inbox_id)

    async def resume(self) -> None:
        """Queue what earlier runs left unhandled, then start handling (channel is up)."""
        after, count = 0, 0
        while True:
            page = await self.store.pending_events(after, PAGE)
            for inbox_id, payload in page:
                self.queue.put(self.chat_key(payload), update_id(payload) or 0, inbox_id)
            count += len(page)
            if len(page) < PAGE:
                break
            after = page[-1][0]
        if count:
            log.info("telegram: updates stored before the start, handled now: %d", count)
        self.queue.open()

    async def idle(self) -> None:
        """Wait until every queued update is handled and marked (tests, a clean stop)."""
        await self.queue.idle()
        await self._marked()

    async def close(self) -> None:
        """Stop handling (after up to `grace` seconds); what is left stays stored for the
        next start."""
        await self.queue.close(self.grace)
        await self._marked()

    async def _marked(self) -> None:
        """Every handled update marked done, the write under way included."""
        if self._marking is not None:
            await self._marking
        await self._mark_handled()

    def _handled_one(self, inbox_id: int) -> None:
        self._handled.append(inbox_id)
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._mark_soon())

    async def _mark_soon(self) -> None:
        if len(self._handled) < MARK_GROUP:
            await asyncio.sleep(MARK_LINGER_SECONDS)  # let the group fill up
        await self._mark_handled()

    async def _mark_handled(self) -> None:
        while self._handled:
            group, self._handled = self._handled, []
            await self.store.finish_event(group)

    async def _process(self, inbox_id: int) -> None:
        payload = self._fresh.pop(inbox_id, None) or await self.store.take_event(inbox_id)
        if payload is None:
            return  # handled already (by another process), or given up after many attempts
        plain = read_plain(payload)
        if plain is not None and self.plain is not None:
            await self.plain(plain)
        else:
            update = parse(payload, self.application.bot)
            if update is not None:
                await self.application.process_update(update)
        self._handled_one(inbox_id)

    def chat_key(self, payload: dict[str, Any]) -> Hashable:
        """Whose order a stored update belongs to (plain shapes without building an Update)."""
        plain = read_plain(payload)
        if plain is not None:
            return ("chat", plain.chat_id)
        return chat_of(parse(payload, self.application.bot))
