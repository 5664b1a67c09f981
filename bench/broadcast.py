"""The broadcast benchmark: 100,000 Telegram subscribers at 1,000 messages per second.

Everything runs as it would in production, as separate processes: the fake Bot API
(`bench/fake_bot_api.py`, which enforces the rate and answers 429 above it) and
`helpdesk broadcast run` on a SQLite file, with `TELEGRAM_BROADCAST_RATE` set to the same
rate. Two runs:

1. a whole broadcast: the sustained send rate (messages the fake accepted, first to last)
   as a fraction of the configured rate, 429s (all, and after the first second), and the
   sending process's peak memory (its maximum resident set size, from `wait4`);
2. kill and restart: a second broadcast to the same people, the sender killed with SIGKILL
   once 40% went out, then started again: people who got nothing (skipped) and people who
   got it twice (duplicates), to compare with the sender's concurrency.

`python -m bench.broadcast [--subscribers N] [--rate R]` prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.readme import write_block
from bot.settings import PROJECT_ROOT

TOKEN = "123456:" + "B" * 35
PROVINCES = ("soc-trang", "quang-ngai", None)
KILL_AT = 0.4
RESULTS = PROJECT_ROOT / "bench" / "results" / "broadcast.json"
START, END = "<!-- bench-broadcast:start -->", "<!-- bench-broadcast:end -->"


def _helpdesk() -> str:
    return str(Path(sys.executable).parent / "helpdesk")


class Bench:
    """One benchmark setup: a fake Bot API process and a SQLite file of subscribers."""

    def __init__(self, folder: Path, subscribers: int, rate: float, concurrency: int) -> None:
        self.subscribers = subscribers
        self.rate = rate
        self.concurrency = concurrency
        self.database = folder / "bench.db"
        self.fake = subprocess.Popen(
            [sys.executable, "-m", "bench.fake_bot_api", "--rate", str(rate)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=PROJECT_ROOT,
        )
        assert self.fake.stdout is not None
        self.port = int(self.fake.stdout.readline())
        self.env = os.environ | {
            "DATABASE_URL": f"sqlite:///{self.database}",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{self.port}/bot",
            "TELEGRAM_BROADCAST_RATE": str(rate),
            "BROADCAST_CONCURRENCY": str(concurrency),
            # A killed sender's deliveries are taken over once its lease runs out; a short
            # lease keeps the restart run short (production default: 60 s).
            "BROADCAST_LEASE_SECONDS": "5",
            "LOG_LEVEL": "WARNING",
            "BROADCAST_QUIET_HOURS": "none",  # measured at whatever hour the bench runs
        }

    def close(self) -> None:
        """Stop the fake."""
        self.fake.kill()
        self.fake.wait()

    def cli(self, *args: str) -> str:
        """Run `helpdesk ARGS` to completion; its stdout."""
        done = subprocess.run(
            [_helpdesk(), *args], env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def seed(self) -> None:
        """The subscribers, written straight into the database (as many `/start`s would)."""
        self.cli("db", "upgrade")
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        rows = (
            (
                "telegram",
                str(10_000_000 + i),
                PROVINCES[i % len(PROVINCES)],
                "en" if i % 10 == 0 else "vi",
                now,
                now,
            )
            for i in range(self.subscribers)
        )
        with sqlite3.connect(self.database) as connection:
            connection.executemany(
                "INSERT INTO users (channel, external_id, province, locale, role, subscribed,"
                " created_at, last_seen_at) VALUES (?, ?, ?, ?, 'citizen', 1, ?, ?)",
                rows,
            )

    def broadcast(self) -> int:
        """A new broadcast to every Telegram subscriber; its id."""
        text = "Nhắc nhở: hãy mở Bluezone và bật Bluetooth. {{ province }}"
        english = "Reminder: open Bluezone and turn Bluetooth on. {{ province }}"
        out = self.cli("broadcast", "create", "--text", text, "--text-en", english)
        return int(out.strip())

    def fake_get(self, path: str) -> Any:
        """GET the fake's `path` as JSON."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}") as response:
            return json.load(response)

    def reset_fake(self) -> None:
        """Forget what the fake saw."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/reset", method="POST")
        urllib.request.urlopen(request).close()

    def sender(self) -> subprocess.Popen[bytes]:
        """Start `helpdesk broadcast run`."""
        return subprocess.Popen(
            [_helpdesk(), "broadcast", "run"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def status(self, identifier: int) -> dict[str, Any]:
        """`helpdesk broadcast status ID --json`."""
        result: dict[str, Any] = json.loads(
            self.cli("broadcast", "status", str(identifier), "--json")
        )
        return result


def _finished(process: subprocess.Popen[bytes]) -> tuple[int, float, float]:
    """Wait for the process; its exit status, peak resident memory in MB and CPU seconds."""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def whole_run(bench: Bench) -> dict[str, Any]:
    """Run 1: one whole broadcast."""
    identifier = bench.broadcast()
    started = time.perf_counter()
    code, peak, cpu = _finished(bench.sender())
    wall = time.perf_counter() - started
    stats = bench.fake_get("/stats")
    accepted: list[float] = stats["accepted"]
    refused: list[float] = stats["refused"]
    span = accepted[-1] - accepted[0]
    sustained = (len(accepted) - 1) / span if span > 0 else 0.0
    first_second = accepted[0] + 1.0
    per_chat: dict[str, int] = stats["per_chat"]
    return {
        "exit_code": code,
        "status": bench.status(identifier),
        "accepted": len(accepted),
        "people_reached": len(per_chat),
        "duplicates": sum(1 for n in per_chat.values() if n > 1),
        "sustained_per_s": sustained,
        "fraction_of_rate": sustained / bench.rate,
        "refused_429": len(refused),
        "refused_429_after_first_second": sum(1 for t in refused if t > first_second),
        "peak_rss_mb": peak,
        "wall_s": wall,
        "cpu_s": cpu,
    }


def kill_and_restart(bench: Bench) -> dict[str, Any]:
    """Run 2: SIGKILL at 40%, then a new sender finishes the broadcast."""
    bench.reset_fake()
    identifier = bench.broadcast()
    first = bench.sender()
    target = int(bench.subscribers * KILL_AT)
    while bench.fake_get("/count")["accepted"] < target:
        if first.poll() is not None:
            raise RuntimeError("the sender ended before it could be killed")
        time.sleep(0.05)  # a benchmark polling the fake, not a test waiting for time
    first.send_signal(signal.SIGKILL)
    first.wait()
    at_kill = bench.fake_get("/count")["accepted"]
    restarted = time.perf_counter()
    code, _peak, _cpu = _finished(bench.sender())
    stats = bench.fake_get("/stats")
    per_chat: dict[str, int] = stats["per_chat"]
    return {
        "killed_after": at_kill,
        "exit_code": code,
        "restart_wall_s": time.perf_counter() - restarted,
        "status": bench.status(identifier),
        "people_reached": len(per_chat),
        "skipped": bench.subscribers - len(per_chat),
        "duplicates": sum(1 for n in per_chat.values() if n > 1),
        "concurrency": bench.concurrency,
    }


def main(subscribers: int = 100_000, rate: float = 1000.0, concurrency: int = 16) -> dict[str, Any]:
    """Both runs; the figures."""
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as folder:
        bench = Bench(Path(folder), subscribers, rate, concurrency)
        try:
            bench.seed()
            whole = whole_run(bench)
            killed = kill_and_restart(bench)
        finally:
            bench.close()
    return {
        "subscribers": subscribers,
        "rate": rate,
        "concurrency": concurrency,
        "whole": whole,
        "kill": killed,
    }


def markdown(figures: dict[str, Any]) -> str:
    """The figures as the README's table."""
    whole, killed = figures["whole"], figures["kill"]
    return "\n".join(
        [
            f"Measured {dt.date.today().isoformat()} on {platform.machine()} "
            f"({os.cpu_count()} cores), {figures['subscribers']:,} subscribers, rate "
            f"{figures['rate']:,.0f}/s, `BROADCAST_CONCURRENCY={figures['concurrency']}`; the "
            f"fake Bot API ran on the same machine.",
            "",
            "| measure | figure | target |",
            "|---|---|---|",
            f"| sustained send rate (accepted by the fake, first to last message) | "
            f"{whole['sustained_per_s']:,.0f}/s = {whole['fraction_of_rate']:.1%} of the "
            f"configured rate | ≥ 95% |",
            f"| 429s received | {whole['refused_429']} in all, "
            f"{whole['refused_429_after_first_second']} after the first second | 0 after the "
            f"first second |",
            f"| peak memory of the sending process (max RSS) | {whole['peak_rss_mb']:.0f} MB "
            f"| < 200 MB |",
            f"| whole run: wall time with start-up, CPU time | {whole['wall_s']:.0f} s, "
            f"{whole['cpu_s']:.0f} s | |",
            f"| delivered / reached / duplicates (whole run) | "
            f"{whole['status']['sent']:,} / {whole['people_reached']:,} / "
            f"{whole['duplicates']} | all, 0 |",
            f"| kill and restart: killed after | {killed['killed_after']:,} messages | |",
            f"| kill and restart: people skipped | {killed['skipped']} | 0 |",
            f"| kill and restart: people who got it twice | {killed['duplicates']} | ≤ "
            f"{killed['concurrency']} (the concurrency) |",
        ]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the broadcast benchmark")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--readme", action="store_true", help="write the figures into README.md")
    options = parser.parse_args()
    result = main(options.subscribers, options.rate, options.concurrency)
    print(json.dumps(result, indent=2))
    if options.readme:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        write_block(START, END, markdown(result))
