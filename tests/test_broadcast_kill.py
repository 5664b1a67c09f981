"""A real `helpdesk broadcast run` process killed with SIGKILL in the middle, then restarted.

The sender talks to the strict fake Bot API over HTTP, as in production. After the restart
everybody has the reminder, and the only people who got it twice are those whose message
was in flight at the kill: at most BROADCAST_CONCURRENCY.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sqlite3
import sys
from collections import Counter
from pathlib import Path

from bot.broadcasts import store
from bot.broadcasts.segments import Segment
from bot.storage import Database
from tests.fake_telegram import FakeBotAPI

TOKEN = "123456789:AAHfake-token_for-the-test-suite01"
PEOPLE = 120
CONCURRENCY = 3
FIRST_CHAT = 70_000


async def _seed(url: str, path: Path) -> int:
    database = Database(url)
    await database.upgrade()
    now = dt.datetime.now(dt.UTC)
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO users (channel, external_id, province, locale, role, subscribed,"
            " created_at, last_seen_at) VALUES ('telegram', ?, 'soc-trang', 'vi', 'citizen',"
            " 1, ?, ?)",
            [(str(FIRST_CHAT + i), now, now) for i in range(PEOPLE)],
        )
    identifier = await database.run(
        store.create, {"vi": "Nhắc {{ province }}: mở Bluezone"}, Segment(), now
    )
    await database.dispose()
    return identifier


async def _start_sender(env: dict[str, str]) -> asyncio.subprocess.Process:
    helpdesk = str(Path(sys.executable).parent / "helpdesk")
    return await asyncio.create_subprocess_exec(
        helpdesk,
        "broadcast",
        "run",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


def _reminders(fake: FakeBotAPI) -> Counter[int]:
    return Counter(
        int(call.params["chat_id"])
        for call in fake.sent()
        if call.method == "sendMessage" and "mở Bluezone" in str(call.params.get("text"))
    )


async def test_a_sigkilled_sender_is_restarted_and_finishes_without_skipping_anyone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kill.db"
    url = f"sqlite:///{path}"
    identifier = await _seed(url, path)
    fake = FakeBotAPI(token=TOKEN)
    base_url = await fake.start()
    env = os.environ | {
        "DATABASE_URL": url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": base_url,
        "TELEGRAM_BROADCAST_RATE": "60",  # two seconds for everybody: time to kill it
        "BROADCAST_CONCURRENCY": str(CONCURRENCY),
        "BROADCAST_LEASE_SECONDS": "1",  # the restart takes over the killed one's work soon
        "LOG_LEVEL": "WARNING",
        "BROADCAST_QUIET_HOURS": "none",  # whatever the hour the test runs at
    }
    try:
        first = await _start_sender(env)
        await fake.wait_for(lambda _: len(_reminders(fake)) >= PEOPLE // 3, timeout=30)
        first.send_signal(signal.SIGKILL)
        assert await first.wait() == -signal.SIGKILL
        got_before = sum(_reminders(fake).values())
        assert got_before < PEOPLE, "killed in the middle"

        second = await _start_sender(env)
        _, errors = await asyncio.wait_for(second.communicate(), timeout=60)
        assert second.returncode == 0, errors.decode()
    finally:
        await fake.stop()

    received = _reminders(fake)
    assert set(received) == {FIRST_CHAT + i for i in range(PEOPLE)}, "nobody skipped"
    twice = [chat for chat, count in received.items() if count > 1]
    assert len(twice) <= CONCURRENCY
    assert all(count <= 2 for count in received.values())
    database = Database(url)
    status = await database.run(store.report, identifier)
    await database.dispose()
    assert status is not None
    assert (status["state"], status["sent"], status["pending"]) == ("done", PEOPLE, 0)
