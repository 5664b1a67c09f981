"""Work in order per chat, several chats at once: one person's updates are never handled
concurrently or out of order, and a slow chat (a 429 wait, a slow database) holds up only
itself and one of a bounded number of slots.

Items are ordered within a chat by a sort key (Telegram's `update_id`), not by arrival: with
up to 40 webhook connections Telegram may deliver a person's updates out of order, and what
is queued behind a busy chat is put back in order before it is handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)


class ChatQueue:
    """Items (ids) handled one at a time per chat, at most `concurrency` chats at once.

    Nothing is handled before `open()`: whatever is put before (updates stored while the
    channel was connecting, and those a crash left) is sorted first. An id already queued
    is not queued twice.
    """

    def __init__(self, handle: Callable[[int], Awaitable[None]], concurrency: int = 16) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._handle = handle
        self.concurrency = concurrency
        self._slots: asyncio.Semaphore | None = None
        self._opened = asyncio.Event()
        self._heaps: dict[Hashable, list[tuple[int, int]]] = {}
        self._tasks: dict[Hashable, asyncio.Task[None]] = {}
        self._queued: set[int] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False

    @property
    def opened(self) -> bool:
        """True once items are being handled."""
        return self._opened.is_set()

    @property
    def waiting(self) -> int:
        """How many items are queued or being handled."""
        return len(self._queued)

    def put(self, chat: Hashable, order: int, item: int) -> None:
        """Queue `item` for `chat`, after the chat's items with a smaller `order`."""
        if item in self._queued or self._closing:
            return
        self._queued.add(item)
        self._idle.clear()
        heapq.heappush(self._heaps.setdefault(chat, []), (order, item))
        if chat not in self._tasks:
            self._tasks[chat] = asyncio.create_task(self._drain(chat))

    def open(self) -> None:
        """Start handling (and keep handling what is put from now on)."""
        self._opened.set()

    async def idle(self) -> None:
        """Wait until nothing is queued or being handled."""
        await self._idle.wait()

    async def close(self, grace: float) -> None:
        """Stop: nothing new is started; the items being handled get up to `grace` seconds
        to finish, then are cancelled. Items not finished stay in the inbox for the next
        start."""
        self._closing = True
        if self.opened and self._tasks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.idle(), grace)
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _drain(self, chat: Hashable) -> None:
        heap = self._heaps[chat]
        try:
            await self._opened.wait()
            if self._slots is None:
                self._slots = asyncio.Semaphore(self.concurrency)
            while heap and not self._closing:
                async with self._slots:
                    if self._closing:
                        break
                    # Taken only now: an earlier update put while this waited goes first.
                    _order, item = heapq.heappop(heap)
                    try:
                        await self._handle(item)
                    except Exception:
                        log.exception("telegram: inbox item %s failed; it stays stored", item)
                    finally:
                        self._queued.discard(item)
        finally:
            # No await between the last look at the heap and these lines: a `put` for this
            # chat either landed in the heap above or finds no task and starts a new one.
            del self._tasks[chat]
            del self._heaps[chat]
            if not self._tasks:
                self._idle.set()
