"""In-process caches bounded by the memory they hold, not by how many entries they have.

A cache keyed on what people type grows with what they type: with an entry limit alone,
50,000 unique 20,000-character messages would keep a gigabyte. `SizedCache` counts the
bytes of its keys and values (`sys.getsizeof`, tuples of strings included) and drops the
least recently used entries past its budget; an entry larger than a sixteenth of the
budget is never kept (it is computed again, which a flood of junk deserves).
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache, wraps
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")
# What an entry costs beyond its key and value: the dict slot and the ordering links.
ENTRY_OVERHEAD = 100


def size_of(value: object) -> int:
    """Bytes held by a value: the object, and the items of a tuple (of strings, mostly)."""
    size = sys.getsizeof(value)
    if isinstance(value, tuple):
        size += sum(sys.getsizeof(item) for item in value)
    return size


class SizedCache(Generic[K, V]):
    """A least-recently-used mapping whose keys and values together stay under `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        """The cached value, or None."""
        found = self._entries.get(key)
        if found is None:
            return None
        try:  # noqa: SIM105 (the hot path: cheaper than contextlib.suppress)
            self._entries.move_to_end(key)
        except KeyError:  # dropped by another thread meanwhile
            pass
        return found[0]

    def put(self, key: K, value: V) -> None:
        """Keep `value` unless it is too large; drop the oldest entries past the budget."""
        cost = size_of(key) + size_of(value) + ENTRY_OVERHEAD
        if cost * 16 > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (value, cost)
            self.bytes += cost
            while self.bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self.bytes = 0


def sized_cache(
    max_bytes: int, short_chars: int = 64
) -> Callable[[Callable[[str], R]], Callable[[str], R]]:
    """Cache a function of one string within `max_bytes` (for functions returning strings
    or tuples of strings of about their input's size, such as folding).

    Half the budget goes to texts up to `short_chars` characters, in a C `lru_cache` (the hot
    path: words) whose entry count times the largest such entry fits that half; the other
    half to longer texts, in a `SizedCache`.
    """
    # Key and value of `short_chars` characters at 4 bytes each, plus the entry itself.
    largest_short = 2 * (sys.getsizeof("") + 4 * short_chars) + ENTRY_OVERHEAD

    def decorate(function: Callable[[str], R]) -> Callable[[str], R]:
        short = lru_cache(maxsize=max(1, max_bytes // 2 // largest_short))(function)
        long: SizedCache[str, R] = SizedCache(max_bytes // 2)

        @wraps(function)
        def cached(text: str) -> R:
            if len(text) <= short_chars:
                return short(text)
            found = long.get(text)
            if found is None:
                found = function(text)
                long.put(text, found)
            return found

        cached.short = short  # type: ignore[attr-defined]
        cached.long = long  # type: ignore[attr-defined]
        return cached

    return decorate
