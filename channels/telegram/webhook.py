"""`POST /telegram/webhook`: the secret checked (and guessing slowed down), the update
stored, 200 at once; handling happens afterwards (updates.py).

Telegram sends the secret given to setWebhook back in `X-Telegram-Bot-Api-Secret-Token`.
Wrong secrets are counted per client address in a token bucket: after `burst` of them the
address gets 429 without its secret being compared, until the bucket refills (one wrong
secret per `refill_seconds`). The log says so once per burst, with the address.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web
from telegram import Bot

from channels.telegram.updates import UpdateInbox, parse

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
BURST = 10  # wrong secrets an address may send at once
REFILL_SECONDS = 6.0  # then one more every 6 seconds: 10 a minute
BURST_LOG_SECONDS = 600.0  # an attack that never pauses is logged again every 10 minutes
MAX_ADDRESSES = 10_000  # addresses remembered at once (a spray of addresses cannot fill memory)

Verdict = Literal["ok", "refused", "limited"]


@dataclass
class _Bucket:
    tokens: float
    updated: float
    started: float
    refused: int = 0
    limited: int = 0


class SecretGuard:
    """Constant-time secret comparison with a per-address limit on wrong guesses."""

    def __init__(
        self,
        secret: str | None = None,
        burst: int = BURST,
        refill_seconds: float = REFILL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.secret = secret
        self.burst = burst
        self.refill_seconds = refill_seconds
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def check(self, address: str, given: str) -> Verdict:
        """ "ok" for the right secret; "refused" for a wrong one; "limited" (not compared)
        when this address has sent too many wrong ones lately."""
        now = self.clock()
        bucket = self._buckets.get(address)
        if bucket is not None:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed / self.refill_seconds)
            bucket.updated = now
            if bucket.tokens < 1:
                bucket.limited += 1
                return "limited"
        expected = self.secret or ""
        if expected and hmac.compare_digest(given.encode(), expected.encode()):
            return "ok"
        if (
            bucket is None
            or bucket.tokens >= self.burst
            or now - bucket.started > BURST_LOG_SECONDS
        ):
            bucket = self._new_burst(address, bucket, now)
        bucket.tokens -= 1
        bucket.refused += 1
        return "refused"

    def retry_after(self, address: str) -> int:
        """Seconds until `address` may try again."""
        bucket = self._buckets.get(address)
        if bucket is None:
            return 0
        return max(1, round((1 - bucket.tokens) * self.refill_seconds))

    def _new_burst(self, address: str, previous: _Bucket | None, now: float) -> _Bucket:
        before = ""
        if previous is not None and previous.refused + previous.limited > 1:
            before = (
                f"; its previous burst: {previous.refused} refused, {previous.limited} answered 429"
            )
        log.warning(
            "telegram webhook: wrong secret token from %s refused (after %d in a row it gets "
            "429 for a while; not logged again in this burst)%s",
            address,
            self.burst,
            before,
        )
        if previous is None and len(self._buckets) >= MAX_ADDRESSES:
            self._forget_some()
        bucket = _Bucket(tokens=float(self.burst), updated=now, started=now)
        self._buckets[address] = bucket
        return bucket

    def _forget_some(self) -> None:
        """Drop the addresses heard from least recently (half of them)."""
        by_age = sorted(self._buckets, key=lambda address: self._buckets[address].updated)
        for address in by_age[: len(by_age) // 2]:
            del self._buckets[address]


def client_address(request: web.Request) -> str:
    """Who sent the request: the peer, or behind a proxy on this machine (nginx), the
    address the proxy added last to `X-Forwarded-For` (the one it saw; earlier entries are
    whatever the client claimed)."""
    peer = request.remote or "unknown"
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and _is_loopback(peer):
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:64]
    return peer


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class WebhookReceiver:
    """The aiohttp handler of the webhook route."""

    def __init__(self, guard: SecretGuard, updates: UpdateInbox, bot: Bot) -> None:
        self.guard = guard
        self.updates = updates
        self.bot = bot

    async def handle(self, request: web.Request) -> web.Response:
        """Refuse without the right secret (429 when guessing), 400 for anything that is not
        an update; otherwise store the update and answer 200 before handling it."""
        address = client_address(request)
        verdict = self.guard.check(address, request.headers.get(SECRET_HEADER, ""))
        if verdict == "limited":
            retry = str(self.guard.retry_after(address))
            return web.json_response({"ok": False}, status=429, headers={"Retry-After": retry})
        if verdict == "refused":
            return web.json_response({"ok": False}, status=403)
        try:
            data: Any = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            data = None
        update = parse(data, self.bot) if isinstance(data, dict) else None
        if update is None:
            return web.json_response({"ok": False, "error": "not a Telegram update"}, status=400)
        await self.updates.receive(data, update)
        return web.json_response({"ok": True})
