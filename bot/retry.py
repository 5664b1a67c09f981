"""One retry rule for calls to a platform's API: a bounded number of attempts, waiting
what the platform asks (a rate limit) or backing off (a network hiccup) in between.

Channels classify their own errors; the waiting, the counting and the logging live here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0)


def backoff(attempt: int, steps: Sequence[float] = BACKOFF_SECONDS) -> float:
    """Seconds to wait before attempt `attempt + 1` (the last step repeats)."""
    return steps[min(attempt, len(steps) - 1)]


async def with_retries(
    what: str,
    make: Callable[[], Awaitable[T]],
    attempts: int,
    wait_for: Callable[[BaseException], float | None],
    steps: Sequence[float] = BACKOFF_SECONDS,
) -> T:
    """Await `make()`; when it raises, `wait_for(error)` says how many seconds to wait before
    trying again (None: give up and raise). The last attempt's error is raised."""
    for attempt in range(max(1, attempts)):
        try:
            return await make()
        except Exception as error:
            seconds = wait_for(error)
            if seconds is None or attempt >= attempts - 1:
                raise
            seconds = seconds if seconds > 0 else backoff(attempt, steps)
            log.warning("%s: %s; trying again in %.1f s", what, type(error).__name__, seconds)
            await asyncio.sleep(seconds)
    raise AssertionError("unreachable")  # pragma: no cover
