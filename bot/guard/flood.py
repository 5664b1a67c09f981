"""Flood limits: a token bucket per key (a person, a client address).

Each key may do `burst` things at once, then one more every 60 / `per_minute` seconds. Memory
is bounded: at most `max_keys` buckets are kept; when full, the buckets that have refilled
(whose keys are as good as new) are dropped, and if that freed too little, the least
recently used ones down to half (so the scan is rare: its cost is spread over many keys).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 100_000


@dataclass(frozen=True)
class Rate:
    """How fast a key may go: `per_minute` on average, `burst` at once; 0 per minute is no
    limit at all."""

    per_minute: int
    burst: int

    @property
    def limited(self) -> bool:
        """False when this rate limits nothing."""
        return self.per_minute > 0


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One token bucket per key, all at the same rate."""

    def __init__(
        self,
        rate: Rate,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.rate = rate
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    @property
    def _seconds_per_token(self) -> float:
        return 60.0 / self.rate.per_minute

    def take(self, key: str) -> float:
        """Take one token for `key`: 0.0 when it may go ahead, else the seconds until it may
        (nothing is taken then)."""
        if not self.rate.limited:
            return 0.0
        now = self.clock()
        bucket = self._buckets.pop(key, None)  # re-inserted below: the dict stays in LRU order
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._make_room(now)
            bucket = _Bucket(float(self.rate.burst), now)
        else:
            refill = max(0.0, now - bucket.updated) / self._seconds_per_token
            bucket.tokens = min(float(self.rate.burst), bucket.tokens + refill)
            bucket.updated = now
        self._buckets[key] = bucket
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) * self._seconds_per_token

    def _make_room(self, now: float) -> None:
        full = self.rate.burst * self._seconds_per_token  # time for an empty bucket to refill
        for key in [k for k, b in self._buckets.items() if now - b.updated >= full]:
            del self._buckets[key]
        if len(self._buckets) > self.max_keys * 9 // 10:  # too few freed: drop the older half
            for key in list(self._buckets)[: len(self._buckets) - self.max_keys // 2]:
                del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


def retry_after(seconds: float) -> int:
    """A wait as the whole seconds of a `Retry-After` header (at least 1)."""
    return max(1, math.ceil(seconds))
