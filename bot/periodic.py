"""Background work repeated at an interval, for the server's cleanup contexts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

Work = Callable[[asyncio.Event], Awaitable[None]]


def repeating(
    what: str, interval: float, work: Callable[[web.Application], Work]
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context that runs `work(app)(stopping)` now and then every
    `interval` seconds. A failure is logged and tried again at the next round; a round under
    way finishes before the server stops (`stopping` tells long rounds to wrap up)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        run = work(app)
        stopping = asyncio.Event()

        async def loop() -> None:
            while not stopping.is_set():
                try:
                    await run(stopping)
                except Exception:
                    log.exception("%s failed; will try again", what)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), interval)

        task = asyncio.create_task(loop())
        yield
        stopping.set()
        await task

    return context
