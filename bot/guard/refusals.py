"""Refused requests, logged without flooding the log: at most one warning per client address
per minute, with the address and the reason, never the body.

Lines held back are counted and said with the next line for that address. When more
addresses than `max_addresses` are refused within a minute (a spray of addresses), the
others are counted together and said once a minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

EVERY_SECONDS = 60.0
MAX_ADDRESSES = 10_000
OTHERS = "other addresses"


@dataclass
class _Seen:
    logged: float
    held_back: int = 0


class RefusalLog:
    """Logs refusals to `logger`, one line per address per `every` seconds at most."""

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        every: float = EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self.logger = logger
        self.what = what
        self.every = every
        self.clock = clock
        self.max_addresses = max_addresses
        self._seen: dict[str, _Seen] = {}

    def refused(self, address: str, status: int, reason: str) -> bool:
        """Note a request from `address` refused with `status` for `reason` (a few words,
        never the body); True when it was logged now, False when held back."""
        now = self.clock()
        self._forget_quiet(now)
        key = address if address in self._seen or len(self._seen) < self.max_addresses else OTHERS
        seen = self._seen.get(key)
        if seen is not None and now - seen.logged < self.every:
            seen.held_back += 1
            return False
        held_back = seen.held_back if seen is not None else 0
        self._seen.pop(key, None)
        self._seen[key] = _Seen(logged=now)  # the dict stays in the order lines were logged
        more = f"; {held_back} more refused since its last line" if held_back else ""
        self.logger.warning(
            "%s: request refused from %s (%d): %s%s", self.what, key, status, reason, more
        )
        return True

    def _forget_quiet(self, now: float) -> None:
        """Forget addresses whose last line is older than `every` (oldest first). What they
        held back is said with their next line, if they come back before they are forgotten."""
        while self._seen:
            oldest = next(iter(self._seen))
            seen = self._seen[oldest]
            if now - seen.logged < self.every or (
                seen.held_back and now - seen.logged < 2 * self.every
            ):
                return
            del self._seen[oldest]
