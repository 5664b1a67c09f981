"""Waiting for a fake API to have seen something, on a condition (never by sleeping)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TypeVar

C = TypeVar("C")


async def wait_until(
    condition: asyncio.Condition,
    calls: Sequence[C],
    predicate: Callable[[Sequence[C]], bool],
    timeout: float,
) -> None:
    """Wait until `predicate(calls)` holds, re-checked whenever `condition` is notified.

    Raises AssertionError listing the recent calls if it still does not hold after `timeout`.
    """
    async with condition:
        try:
            async with asyncio.timeout(timeout):
                await condition.wait_for(lambda: predicate(calls))
        except TimeoutError:
            recent = "\n".join(f"  {call!r}" for call in calls[-15:]) or "  (none)"
            raise AssertionError(
                f"condition not met within {timeout} s; last calls:\n{recent}"
            ) from None
