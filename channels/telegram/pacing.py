"""Telegram's pacing rule for bulk sends: at most one message per second in the same chat
(Bot API FAQ; docs/facts.md §7)."""

from __future__ import annotations

import time
from collections.abc import Callable


class Spacing:
    """At most one message per `interval` seconds to the same chat. Remembers only the chats
    served within the last interval."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._next: dict[str, float] = {}

    def delay(self, key: str) -> float:
        """Reserve the next moment `key` may get a message; how long to wait for it."""
        now = self.clock()
        if len(self._next) > 1024:  # forget chats whose turn has passed: memory stays flat
            self._next = {k: t for k, t in self._next.items() if t > now}
        start = max(now, self._next.get(key, now))
        self._next[key] = start + self.interval
        return start - now
