"""`POST /telegram/webhook`: the secret checked (and guessing slowed down), the update
stored, 200 at once; handling happens afterwards (updates.py).

Telegram sends the secret given to setWebhook back in `X-Telegram-Bot-Api-Secret-Token`.
Wrong secrets (a header that is not even UTF-8 included) are counted per client address in
a token bucket: after `burst` of them the address gets 429 without its secret being
compared, until the bucket refills (one wrong secret per `refill_seconds`). The log says so
once per burst, with the address.

With the right secret, what the body is decides:
- not JSON, not an object, or no `update_id` that is a whole number from 0 to 2**53: 400.
  Telegram never sends that, so no redelivery is provoked; a misconfigured sender is told.
- an `update_id`, but python-telegram-bot cannot read the rest: 200, nothing stored, one
  warning (with the update id and the address, never the body). It came with the secret, so
  it is Telegram's; any other answer makes Telegram deliver it again and again (and count it
  as the webhook's last error), while no retry can make it readable.
- an update: stored, 200. Kinds of update no handler takes are stored and acknowledged too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from aiohttp import web
from telegram import Bot

from bot.guard.body import BadBody, read_json_object
from bot.guard.refusals import RefusalLog
from bot.guard.requests import client_address
from bot.guard.secret import same_secret
from channels.telegram.plain import read_plain
from channels.telegram.updates import UpdateInbox, chat_of, parse, update_id

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
        if same_secret(given, self.secret or ""):
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


class WebhookReceiver:
    """The aiohttp handler of the webhook route."""

    def __init__(self, guard: SecretGuard, updates: UpdateInbox, bot: Bot) -> None:
        self.guard = guard
        self.updates = updates
        self.bot = bot
        self.refusals = RefusalLog(log, "telegram webhook")

    async def handle(self, request: web.Request) -> web.Response:
        """Refuse without the right secret (429 when guessing), 400 for a body that is not an
        update; otherwise store the update and answer 200 before handling it."""
        address = client_address(request)
        verdict = self.guard.check(address, request.headers.get(SECRET_HEADER, ""))
        if verdict == "limited":
            retry = str(self.guard.retry_after(address))
            return web.json_response({"ok": False}, status=429, headers={"Retry-After": retry})
        if verdict == "refused":
            return web.json_response({"ok": False}, status=403)
        try:
            data = read_json_object(await request.read())
        except BadBody as error:
            return self._not_an_update(address, str(error))
        number = update_id(data)
        if number is None:
            return self._not_an_update(address, "no update_id that is a whole number")
        plain = read_plain(data)
        if plain is not None:  # the common shapes, read without PTB (plain.py)
            await self.updates.receive(data, ("chat", plain.chat_id), number)
            return web.json_response({"ok": True})
        update = parse(data, self.bot)
        if update is None:
            self.refusals.refused(address, 200, f"update {number} unreadable, dropped")
            return web.json_response({"ok": True})
        await self.updates.receive(data, chat_of(update), number)
        return web.json_response({"ok": True})

    def _not_an_update(self, address: str, reason: str) -> web.Response:
        self.refusals.refused(address, 400, reason)
        return web.json_response({"ok": False, "error": "not a Telegram update"}, status=400)
