"""Caches fed with what people type are bounded by bytes, not by entries."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from bot.matcher import Understander
from bot.normalize import fold, plain
from bot.sized_cache import SizedCache, size_of, sized_cache


def test_the_budget_holds_and_the_least_recently_used_go_first() -> None:
    cache: SizedCache[str, str] = SizedCache(max_bytes=20_000)
    for number in range(500):
        cache.put(f"key-{number}", "v" * 100)
        assert cache.bytes <= 20_000
    assert 0 < len(cache) < 500
    entries = [(f"key-{n}", "v" * 100) for n in range(500) if cache.get(f"key-{n}") is not None]
    assert cache.bytes == sum(size_of(k) + size_of(v) + 100 for k, v in entries)
    assert cache.get("key-0") is None and cache.get("key-499") == "v" * 100
    kept = next(k for k, _ in entries)
    cache.get(kept)  # now the most recently used
    cache.put("one-more", "v" * 100)
    assert cache.get(kept) is not None, "a key just used is not the one dropped"


def test_an_entry_over_a_sixteenth_of_the_budget_is_not_kept() -> None:
    cache: SizedCache[str, str] = SizedCache(max_bytes=16_000)
    cache.put("big", "x" * 2_000)
    assert cache.get("big") is None and cache.bytes == 0
    calls: list[str] = []

    @sized_cache(max_bytes=16_000, short_chars=8)
    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    assert upper("short") == upper("short") == "SHORT"
    assert upper("a longer text") == upper("a longer text") == "A LONGER TEXT"
    assert calls == ["short", "a longer text"], "both kinds are cached"


def test_unique_long_messages_leave_memory_flat(
    understander: Understander, monkeypatch: pytest.MonkeyPatch
) -> None:
    matcher = understander.matcher
    caches = [matcher._words_of, matcher._repaired, fold.long, plain.long]  # type: ignore[attr-defined]
    budget = 100_000
    # Long messages of known words in new orders: every message is a new key of every
    # cache fed whole texts (no typo repair, so each is read quickly).
    rng = random.Random(16)
    words = sorted(matcher._known)

    def growth(limit: int, seed: int) -> int:
        """Memory kept after reading 45 new long messages with the caches at `limit`."""
        for cache in caches:
            monkeypatch.setattr(cache, "max_bytes", limit)
            cache.clear()
        rng.seed(seed)
        messages = [" ".join(rng.choice(words) for _ in range(400)) for _ in range(50)]
        for message in messages[:5]:
            understander.understand(message)
        tracemalloc.start()
        try:
            start, _ = tracemalloc.get_traced_memory()
            for message in messages[5:]:
                understander.understand(message)
            return tracemalloc.get_traced_memory()[0] - start
        finally:
            tracemalloc.stop()
            for cache in caches:
                assert cache.bytes <= limit
                cache.clear()

    unbounded = growth(10**9, 16)
    bounded = growth(budget, 17)
    # Kept whole, the texts hold about 12 KB each; bounded, the caches stop growing. What
    # else the process allocates meanwhile is the same in both runs.
    assert bounded < 0.6 * unbounded, f"bounded grew {bounded} bytes, unbounded {unbounded}"
