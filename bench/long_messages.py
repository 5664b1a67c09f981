"""CPU per turn of long messages of made-up words, with the reading caps and without them.

`python -m bench.long_messages` answers each message as a brand-new person would be answered
(`Responder.answer_new_person`: the whole core, no database) and prints the CPU time per
turn (process time, median of several messages, each with words never seen before, so no
cache helps). "without the caps" lifts MAX_WORDS (bot/sanitize.py) and MAX_REPAIRS
(bot/matcher/index.py), which is how the core read messages before them (only the 2,000
characters of MAX_TEXT were kept). Figures move from run to run; compare the ratios.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import string
import time
from collections.abc import Callable

from bot import sanitize
from bot.app import build_responder
from bot.engine import Responder
from bot.matcher import index
from bot.messages import Inbound
from bot.settings import Settings

RUNS = 15


def made_up(characters: int, rng: random.Random) -> str:
    """Words nobody uses, `characters` long."""
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < characters:
        words.append("".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 10))))
    return " ".join(words)[:characters]


MESSAGES: dict[str, Callable[[random.Random], str]] = {
    "a normal question": lambda rng: f"cài bluezone trên điện thoại ntn {rng.randint(0, 999)}",
    "20,000 characters of made-up words": lambda rng: made_up(20_000, rng),
    "2,000 characters of made-up words": lambda rng: made_up(2_000, rng),
    "a request for a person, then made-up clauses": lambda rng: (
        "cho tôi số điện thoại hỗ trợ, " + ", ".join(made_up(2_000, rng).split())
    ),
}


async def cpu_ms(responder: Responder, make: Callable[[random.Random], str], seed: int) -> float:
    """Median CPU milliseconds of one turn over RUNS messages made by `make`."""
    rng = random.Random(seed)
    timings = []
    for _ in range(RUNS):
        inbound = Inbound(channel="bench", user_id="bench", text=make(rng))
        start = time.process_time()
        await responder.answer_new_person(inbound)
        timings.append((time.process_time() - start) * 1000)
    return statistics.median(timings)


async def main() -> None:
    """Print the table."""
    responder = build_responder(Settings.from_env({}))
    await responder.answer_new_person(Inbound(channel="bench", user_id="bench", text="xin chào"))
    capped = {name: await cpu_ms(responder, make, 1) for name, make in MESSAGES.items()}
    caps = sanitize.MAX_WORDS, index.MAX_REPAIRS
    sanitize.MAX_WORDS, index.MAX_REPAIRS = 10**9, 10**9
    try:
        uncapped = {name: await cpu_ms(responder, make, 2) for name, make in MESSAGES.items()}
    finally:
        sanitize.MAX_WORDS, index.MAX_REPAIRS = caps
    normal = capped["a normal question"]
    print(f"CPU per turn, ms (median of {RUNS}); MAX_WORDS={caps[0]}, MAX_REPAIRS={caps[1]}")
    print(f"{'message':46} {'without caps':>13} {'with caps':>10} {'x normal':>9}")
    for name in MESSAGES:
        ratio = capped[name] / normal
        print(f"{name:46} {uncapped[name]:13.1f} {capped[name]:10.1f} {ratio:9.1f}")


if __name__ == "__main__":
    asyncio.run(main())
