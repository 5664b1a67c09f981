"""Webhook updates through the inbox: stored before Telegram gets its 200, then handled per
chat in `update_id` order, several chats at once.

The webhook request only writes the update down (bot/storage/inbox.py, as Zalo does) and
queues it; the handling, and any 429 wait while replying, happens in the queue's workers.
Updates a crash or a stop left unhandled are queued again when the channel comes up, before
anything new is handled. A redelivered update (same `update_id`) is stored once, and the
core's message-id check answers a message at most once.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application

from bot.storage import Database, inbox
from channels.telegram.ordering import ChatQueue

log = logging.getLogger(__name__)

CHANNEL = "telegram"
PAGE = 500
STOP_GRACE_SECONDS = 10.0  # on stop, updates being handled may finish for this long


def update_id(payload: dict[str, Any]) -> int | None:
    """The update's id, or None when the payload does not look like a Telegram update."""
    value = payload.get("update_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


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
        database: Database,
        application: Application[Any, Any, Any, Any, Any, Any],
        concurrency: int,
    ) -> None:
        self.database = database
        self.application = application
        self.queue = ChatQueue(self._process, concurrency)
        self.grace = STOP_GRACE_SECONDS

    async def receive(self, payload: dict[str, Any], update: Update) -> bool:
        """Store an update (durably, before the caller answers 200) and queue it.

        False when it was stored before: a redelivery, which is not queued again.
        """
        inbox_id = await self.database.run(inbox.store, CHANNEL, str(update.update_id), payload)
        if inbox_id is None:
            log.info("telegram: redelivered update %s ignored", update.update_id)
            return False
        self.queue.put(chat_of(update), update.update_id, inbox_id)
        return True

    async def resume(self) -> None:
        """Queue what earlier runs left unhandled, then start handling (channel is up)."""
        after, count = 0, 0
        while True:
            page = await self.database.run(inbox.pending_events, CHANNEL, after, PAGE)
            for inbox_id, payload in page:
                update = parse(payload, self.application.bot)
                self.queue.put(chat_of(update), update_id(payload) or 0, inbox_id)
            count += len(page)
            if len(page) < PAGE:
                break
            after = page[-1][0]
        if count:
            log.info("telegram: updates stored before the start, handled now: %d", count)
        self.queue.open()

    async def idle(self) -> None:
        """Wait until every queued update is handled (tests, a clean stop)."""
        await self.queue.idle()

    async def close(self) -> None:
        """Stop handling (after up to `grace` seconds); what is left stays stored for the
        next start."""
        await self.queue.close(self.grace)

    async def _process(self, inbox_id: int) -> None:
        payload = await self.database.run(inbox.take, inbox_id)
        if payload is None:
            return  # handled already (by another process), or given up after many attempts
        update = parse(payload, self.application.bot)
        if update is not None:
            await self.application.process_update(update)
        await self.database.run(inbox.finish, inbox_id)
