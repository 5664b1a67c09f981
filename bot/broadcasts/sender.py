"""The sender: turns the delivery queue into messages, at each channel's pace.

Channel-neutral: each channel that can message people on its own initiative provides a
`Deliverer` (Telegram, Zalo). The web chat and the terminal cannot, so their people are
skipped with the reason "channel_cannot_send".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.broadcasts import store
from bot.broadcasts.schedule import QuietHours
from bot.broadcasts.templates import Recipient, render
from bot.content import Content
from bot.messages import Button, Link, Outbound
from bot.storage import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a channel did with one message: "sent", "retry" (after `retry_after` seconds),
    "failed" or "skipped" (with the reason, e.g. "blocked", "not_follower")."""

    state: str
    reason: str | None = None
    retry_after: float = 0.0


class Deliverer(Protocol):
    """A channel that can send a message to a person without being asked."""

    channel: str
    rate: float  # messages per second the channel allows for bulk sends

    async def deliver(self, external_id: str, message: Outbound) -> Outcome:
        """Send one message; never raises for a delivery problem, says so in the Outcome."""
        ...


class Pace:
    """A token bucket: at most `rate` sends per second, in short bursts at most `burst`."""

    def __init__(
        self, rate: float, burst: float = 1.0, clock: Callable[[], float] = time.monotonic
    ):
        self.rate = rate
        self.burst = max(burst, 1.0)
        self.clock = clock
        self.tokens = self.burst
        self.stamp = clock()

    def delay(self) -> float:
        """Take a token; how long to wait before using it (0 when one was ready)."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


@dataclass
class SenderOptions:
    """How the sender works; the defaults suit one process on a small machine."""

    batch: int = 50
    lease: dt.timedelta = dt.timedelta(minutes=2)
    max_attempts: int = 5
    backoff: tuple[float, ...] = (5.0, 30.0, 120.0, 600.0)
    quiet: QuietHours = field(default_factory=QuietHours)


class Sender:
    """Sends what is due; `step()` does one batch, `run_until_idle()` drains the queue."""

    def __init__(
        self,
        database: Database,
        content: Content,
        deliverers: dict[str, Deliverer],
        options: SenderOptions | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.database = database
        self.content = content
        self.deliverers = deliverers
        self.options = options or SenderOptions()
        self.clock = clock
        self.paces = {name: Pace(d.rate) for name, d in deliverers.items()}
        self._broadcasts: dict[int, store.BroadcastRow] = {}

    async def step(self) -> int:
        """Start due occurrences and send one batch; how many deliveries were handled."""
        now = self.clock()
        if self.options.quiet.quiet(now):
            return 0
        for broadcast_id in await self.database.run(store.due, now):
            queued = await self.database.run(store.start_occurrence, broadcast_id, now)
            log.info("broadcast %s: %d deliveries queued", broadcast_id, queued)
        claimed = await self.database.run(store.claim, self.options.batch, self.options.lease, now)
        touched: set[int] = set()
        for delivery in claimed:
            touched.add(delivery.broadcast_id)
            await self._send(delivery)
        for broadcast_id in touched | set(await self.database.run(store.sending)):
            state = await self.database.run(store.advance, broadcast_id, self.clock())
            if state is not None:
                self._broadcasts.pop(broadcast_id, None)
                log.info("broadcast %s: occurrence finished, now %s", broadcast_id, state)
        return len(claimed)

    async def run_until_idle(self, progress: Callable[[int], None] | None = None) -> int:
        """Send until nothing is due or claimable now; how many deliveries were handled."""
        total = 0
        while handled := await self.step():
            total += handled
            if progress is not None:
                progress(total)
        return total

    async def _send(self, delivery: store.Claimed) -> None:
        now = self.clock()
        if not delivery.subscribed:
            await self._finish(delivery, "skipped", "opted_out")
            return
        if delivery.unreachable:
            await self._finish(delivery, "skipped", "unreachable")
            return
        deliverer = self.deliverers.get(delivery.channel)
        if deliverer is None:
            await self._finish(delivery, "skipped", "channel_cannot_send")
            return
        broadcast = await self._broadcast(delivery.broadcast_id)
        if broadcast is None:
            await self._finish(delivery, "failed", "broadcast_missing")
            return
        message = self._message(broadcast, delivery)
        wait = self.paces[delivery.channel].delay()
        if wait > 0:
            await asyncio.sleep(wait)
        outcome = await deliverer.deliver(delivery.external_id, message)
        if outcome.state == "retry":
            attempts = await self.database.run(store.attempts, delivery.id)
            if attempts >= self.options.max_attempts:
                await self._finish(delivery, "failed", outcome.reason or "gave_up")
                return
            backoff = self.options.backoff[min(attempts - 1, len(self.options.backoff) - 1)]
            delay = max(outcome.retry_after, backoff)
            await self.database.run(
                store.retry_later,
                delivery.id,
                now + dt.timedelta(seconds=delay),
                outcome.reason or "retry",
            )
            return
        await self._finish(delivery, outcome.state, outcome.reason)

    async def _finish(self, delivery: store.Claimed, state: str, reason: str | None) -> None:
        await self.database.run(store.finish, delivery.id, state, reason, self.clock())

    async def _broadcast(self, broadcast_id: int) -> store.BroadcastRow | None:
        if broadcast_id not in self._broadcasts:
            row = await self.database.run(store.get, broadcast_id)
            if row is None:
                return None
            self._broadcasts[broadcast_id] = row
        return self._broadcasts[broadcast_id]

    def _message(self, broadcast: store.BroadcastRow, delivery: store.Claimed) -> Outbound:
        locale = delivery.locale if delivery.locale in broadcast.texts else "vi"
        province = self.content.province(delivery.province)
        recipient = Recipient(
            province=province.name.get(locale) if province and province.id != "other" else "",
            locale=locale,
        )
        text = render(broadcast.texts[locale], recipient)
        buttons: list[Button] = []
        links: list[Link] = []
        for item in broadcast.buttons:
            label = item.get("label", {})
            title = label.get(locale) or label.get("vi") or ""
            if item.get("url"):
                links.append(Link(title, str(item["url"])))
            elif item.get("action"):
                buttons.append(Button(title, str(item["action"])))
        return Outbound(text=text, buttons=tuple(buttons), links=tuple(links))
