"""A lean fake of the Telegram Bot API for the broadcast benchmark: enforces a global rate.

`python -m bench.fake_bot_api --rate 1000` prints the port it listens on, then serves:

- `POST /bot<token>/getMe`, `/sendMessage`: a message is accepted while the global token
  bucket has a token, otherwise refused the way Telegram refuses it: HTTP 429,
  `{"ok": false, "error_code": 429, "parameters": {"retry_after": 1}}`.
- `GET /stats`: what it saw: per chat how many messages were accepted, and when each accepted
  and refused request arrived (seconds on this process's monotonic clock).
- `GET /count`: how many were accepted and refused so far.
- `POST /reset`: forget it all.

Telegram does not publish its algorithm: its FAQ says about 30 messages per second for bulk
sends and that short bursts above the limit may pass before 429s begin. The fake is a token
bucket of `rate` per second holding at most `burst` seconds' worth (default 0.05 s: 50
messages at 1,000/s). Unlike tests/fake_telegram.py it checks nothing else and records only
counts and times, so that 100,000 messages cost it little memory and CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from typing import Any

from aiohttp import web

TOO_MANY = {
    "ok": False,
    "error_code": 429,
    "description": "Too Many Requests: retry after 1",
    "parameters": {"retry_after": 1},
}


class RateLimitedBotAPI:
    """The fake's state: the bucket, and what was accepted and refused when."""

    def __init__(self, rate: float, burst_seconds: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate * burst_seconds)
        self.reset()

    def reset(self) -> None:
        """Forget everything; the bucket starts full."""
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self.per_chat: Counter[str] = Counter()
        self.accepted: list[float] = []
        self.refused: list[float] = []
        self.message_id = 0

    def take(self) -> bool:
        """A token if there is one."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            self.refused.append(now)
            return False
        self.tokens -= 1.0
        self.accepted.append(now)
        return True

    async def method(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        if name == "getMe":
            me = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
            return web.json_response({"ok": True, "result": me})
        if name != "sendMessage":
            return web.json_response({"ok": True, "result": True})
        form = await request.post()
        if not self.take():
            return web.json_response(TOO_MANY, status=429)
        chat = str(form.get("chat_id", ""))
        self.per_chat[chat] += 1
        self.message_id += 1
        result: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat) if chat.lstrip("-").isdigit() else 0, "type": "private"},
            "text": str(form.get("text", "")),
        }
        return web.json_response({"ok": True, "result": result})

    async def stats(self, _request: web.Request) -> web.Response:
        body = {
            "rate": self.rate,
            "burst": self.capacity,
            "per_chat": self.per_chat,
            "accepted": self.accepted,
            "refused": self.refused,
        }
        return web.Response(body=json.dumps(body), content_type="application/json")

    async def count(self, _request: web.Request) -> web.Response:
        return web.json_response({"accepted": len(self.accepted), "refused": len(self.refused)})

    async def clear(self, _request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.method)
        app.router.add_get("/stats", self.stats)
        app.router.add_get("/count", self.count)
        app.router.add_post("/reset", self.clear)
        return app


def main() -> None:
    """Serve until killed; the first line on stdout is the port."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--burst-seconds", type=float, default=0.05)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    fake = RateLimitedBotAPI(args.rate, args.burst_seconds)

    async def serve() -> None:
        runner = web.AppRunner(fake.app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", args.port).start()
        print(runner.addresses[0][1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
