"""CPU per turn: the Telegram webhook beside the web chat, on the same `helpdesk serve`.

`python -m bench.telegram_cpu [--updates 1000]` starts a lean fake Bot API
(bench/fake_bot_api.py, no rate limit worth the name) and one `helpdesk serve` with the
Telegram channel in webhook mode, then measures the server process's CPU time (user +
system, from /proc) for the same questions asked N times through `POST /telegram/webhook`
(private chats, 32 at a time, 200 people) and through `POST /api/chat` (200 web sessions).
The figure is the ratio: the machine's speed drifts, the ratio much less.

For Telegram the turn is finished when its replies reached the fake; the run waits until the
fake has stopped receiving (polled, since the webhook answers before handling).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.questions import read_questions

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstu"
PEOPLE = 200
AT_ONCE = 32


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def free_port() -> int:
    """A port nothing listens on now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_until(check: Any, seconds: float = 60.0) -> None:
    """Poll `check()` until it is true, or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError("the server did not get there in time")
        await asyncio.sleep(0.1)


async def run(updates: int) -> dict[str, float]:
    """Both runs; CPU milliseconds per turn for each, and their ratio."""
    # Questions from the tuning set (not the blind one): the cost of a turn, not its answer.
    asked = [text for _, text in read_questions(ROOT / "tuning" / "dev.tsv")][:200]
    fake = subprocess.Popen(
        [sys.executable, "-m", "bench.fake_bot_api", "--rate", "1000000"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert fake.stdout is not None
    fake_port = int(fake.stdout.readline())
    port = free_port()
    folder = tempfile.mkdtemp(prefix="helpdesk-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder}/bench.db",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": "123456:AAbenchTokenForTheFakeBotApi_0123456",
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{fake_port}/bot",
        "TELEGRAM_WEBHOOK_URL": "https://bench.invalid/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "WEB_ADDRESS_PER_MINUTE": "600000",
        "WEB_ADDRESS_BURST": "100000",
        "WEB_SESSION_PER_MINUTE": "6000",
        "WEB_SESSION_BURST": "1000",
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/helpdesk"), "serve"], env=env, cwd=ROOT, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:

            async def telegram_up() -> bool:
                try:
                    async with http.get(f"{base}/healthz") as answer:
                        health = await answer.json()
                except aiohttp.ClientError:
                    return False
                state = health.get("channel_health", {}).get("telegram", {}).get("state")
                return bool(state == "up")

            async def sent() -> int:
                async with http.get(f"http://127.0.0.1:{fake_port}/count") as answer:
                    return int((await answer.json())["accepted"])

            try:
                await wait_until(telegram_up)
            except TimeoutError:
                server.terminate()
                assert server.stderr is not None
                raise SystemExit(server.stderr.read().decode()[-2000:]) from None
            gate = asyncio.Semaphore(AT_ONCE)

            async def telegram(number: int) -> None:
                person = 10_000 + number % PEOPLE
                update = {
                    "update_id": 1_000_000 + number,
                    "message": {
                        "message_id": number + 1,
                        "date": int(time.time()),
                        "chat": {"id": person, "type": "private", "first_name": "B"},
                        "from": {"id": person, "is_bot": False, "first_name": "B"},
                        "text": asked[number % len(asked)],
                    },
                }
                async with (
                    gate,
                    http.post(
                        f"{base}/telegram/webhook",
                        json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    ) as answer,
                ):
                    assert answer.status == 200, answer.status

            async def web(number: int) -> None:
                body = {
                    "session": f"bench-{number % PEOPLE:06d}",
                    "text": asked[number % len(asked)],
                }
                async with gate, http.post(f"{base}/api/chat", json=body) as answer:
                    assert answer.status == 200, answer.status

            async def settled() -> int:
                last = -1
                while True:  # the fake stopped receiving: every queued update is answered
                    now = await sent()
                    if now == last:
                        return now
                    last = now
                    await asyncio.sleep(0.5)

            # Warm-up: every person's first turn (their row, their state) and the caches.
            await asyncio.gather(*(telegram(-PEOPLE + n) for n in range(PEOPLE)))
            await asyncio.gather(*(web(n) for n in range(PEOPLE)))
            await settled()
            before, messages_before = cpu_seconds(server.pid), await sent()
            await asyncio.gather(*(telegram(n) for n in range(updates)))
            messages = await settled() - messages_before
            telegram_cpu = cpu_seconds(server.pid) - before
            before = cpu_seconds(server.pid)
            await asyncio.gather(*(web(n) for n in range(updates)))
            web_cpu = cpu_seconds(server.pid) - before
    finally:
        server.terminate()
        fake.terminate()
        server.wait(10)
        fake.wait(10)
    return {
        "telegram_ms": 1000 * telegram_cpu / updates,
        "web_ms": 1000 * web_cpu / updates,
        "ratio": telegram_cpu / web_cpu if web_cpu else float("inf"),
        "messages_per_update": messages / updates,
    }


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000)
    args = parser.parse_args()
    figures = asyncio.run(run(args.updates))
    print(
        f"CPU per turn: Telegram webhook {figures['telegram_ms']:.2f} ms, "
        f"web chat {figures['web_ms']:.2f} ms; ratio {figures['ratio']:.2f} "
        f"({figures['messages_per_update']:.1f} Bot API messages sent per update)"
    )


if __name__ == "__main__":
    main()
