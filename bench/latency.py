"""Per-message latency of Engine.handle() through a SQLite file (`ask` is timed in speed.py)."""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.questions import read_questions
from bot.app import build_engine
from bot.messages import Inbound
from bot.settings import Settings

SESSIONS = 200


async def handle_latency(seed: int = 7) -> dict[str, float]:
    """Simulate sessions on a SQLite file: greet, pick a province, ask, walk part of a guide."""
    questions = [q for _, q in read_questions()]
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        engine = await build_engine(Settings.from_env({"DATABASE_URL": url}))
        timings: list[float] = []
        typed = pressed = 0

        async def turn(inbound: Inbound) -> list[str]:
            start = time.perf_counter()
            replies = await engine.handle(inbound)
            timings.append(time.perf_counter() - start)
            return [b.action for r in replies for b in r.buttons]

        for session in range(SESSIONS):
            user = f"bench-{session}"
            await turn(Inbound("web", user, text="/start"))
            province = rng.choice(["p:quang-ngai", "p:soc-trang", "p:other"])
            await turn(Inbound("web", user, action=province))
            for _ in range(3):
                actions = await turn(Inbound("web", user, text=rng.choice(questions)))
                typed += 1
                guide = next((a for a in actions if a.startswith("g:")), None)
                if guide and rng.random() < 0.6:
                    actions = await turn(Inbound("web", user, action=guide))
                    pressed += 1
                    for _ in range(rng.randint(1, 4)):
                        step = next((a for a in actions if a.startswith(("s:", "g:"))), None)
                        if step is None:
                            break
                        actions = await turn(Inbound("web", user, action=step))
                        pressed += 1
        await engine.database.dispose()
    timings.sort()
    return {
        "messages": len(timings),
        "typed": typed,
        "buttons": pressed,
        "p50_ms": statistics.median(timings) * 1000,
        "p99_ms": timings[int(len(timings) * 0.99) - 1] * 1000,
        "max_ms": timings[-1] * 1000,
    }


def main() -> dict[str, dict[str, float]]:
    """Run the measurement and return the figures."""
    return {"handle": asyncio.run(handle_latency())}


if __name__ == "__main__":
    print(main())
