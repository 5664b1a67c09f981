"""The sender: turns the delivery queue into messages, at each channel's pace.
Its length is one loop's: claiming with leases, pacing per channel, retries and progress
reports share the same state, and splitting them would pass that state around.

Channel-neutral: each channel that can message people on its own initiative provides a
`Deliverer` (Telegram, Zalo). The web chat and the terminal cannot, so their people are
skipped with the reason "channel_cannot_send".

How it works: deliveries are claimed from the queue in batches; per channel a few workers
(`concurrency`) send them, each taking its turn from the channel's token bucket. Outcomes are
written in groups (whatever finished while the previous write ran), and a worker takes its
next delivery only once the outcome of its last one is written. So at any moment at most
`concurrency` deliveries per channel have been sent but not recorded: those are the only
possible duplicates if the process is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bot.broadcasts import store
from bot.broadcasts.progress import progress_text
from bot.broadcasts.schedule import QuietHours
from bot.broadcasts.templates import Recipient, render
from bot.content import Content
from bot.delivery import Deliverer, Outcome, ProgressShower
from bot.messages import Button, Link, Outbound
from bot.storage import Database

log = logging.getLogger(__name__)


class Pace:
    """A token bucket: at most `rate` sends per second, in short bursts at most `burst`.

    Several workers share one: each `delay()` reserves the next free moment.
    """

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

    batch: int = 200  # deliveries claimed at a time (fewer for slow channels, see _batch)
    concurrency: int = 16  # messages in flight per channel; bounds duplicates after a crash
    lease: dt.timedelta = dt.timedelta(seconds=60)
    max_attempts: int = 5
    backoff: tuple[float, ...] = (5.0, 30.0, 120.0, 600.0)
    quiet: QuietHours = field(default_factory=QuietHours)
    progress_every: dt.timedelta = dt.timedelta(seconds=5)  # admin's progress message


@dataclass
class Progress:
    """How far `run_until_idle` got: deliveries handled, and how many it knows of."""

    handled: int = 0
    known: int = 0


class _Recorder:
    """Writes outcomes in groups: a write starts once `group` outcomes wait, or `linger`
    seconds after the first one came, and takes everything waiting by then. `record()`
    returns once its outcome is in the database. (One write per message would cost more
    than the message itself.)"""

    def __init__(
        self,
        database: Database,
        clock: Callable[[], dt.datetime],
        group: int,
        linger: float = 0.01,
    ) -> None:
        self.database = database
        self.clock = clock
        self.group = max(1, group)
        self.linger = linger
        self._waiting: list[tuple[store.Result, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    async def record(self, result: store.Result) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((result, future))
        self._schedule()
        await future

    def _schedule(self) -> None:
        if len(self._waiting) >= self.group:
            self.hurry()
        elif self._waiting and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.linger, self._on_time)

    def hurry(self) -> None:
        """Write what waits now, without waiting for a full group (also: a worker ran out of
        work, so no more outcomes are coming soon to share the write with)."""
        if not self._waiting or (self._writer is not None and not self._writer.done()):
            return  # nothing to write, or the running write looks again when it ends
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._writer = asyncio.create_task(self._write())

    def _on_time(self) -> None:
        self._timer = None
        self.hurry()

    async def _write(self) -> None:
        group, self._waiting = self._waiting, []
        try:
            await self.database.run(store.record, [r for r, _ in group], self.clock())
        except Exception as error:  # every waiting worker sees the failure
            for _, future in group:
                future.set_exception(error)
        else:
            for _, future in group:
                future.set_result(None)
        finally:
            asyncio.get_running_loop().call_soon(self._schedule)


class Sender:
    """Sends what is due; `step()` does one batch, `run_until_idle()` drains the queue."""

    def __init__(
        self,
        database: Database,
        content: Content,
        deliverers: dict[str, Deliverer],
        options: SenderOptions | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        translate: Callable[[str], Callable[[str], str]] | None = None,
    ) -> None:
        self.database = database
        self.translate = translate or (lambda _locale: lambda text: text)
        self.content = content
        self.deliverers = deliverers
        self.options = options or SenderOptions()
        self.clock = clock
        # Bursts of 10 ms worth let workers catch up on a turn they missed while waiting for
        # the database, without exceeding the rate over any longer stretch.
        self.paces = {name: Pace(d.rate, burst=d.rate / 100) for name, d in deliverers.items()}
        self._broadcasts: dict[int, store.BroadcastRow] = {}
        # The text depends only on the locale and the province: rendered once per pair.
        self._messages: dict[tuple[int, str, str | None], Outbound] = {}
        self._recorder = _Recorder(database, clock, group=self.options.concurrency // 2)

    async def step(self) -> int:
        """Start due occurrences and send one batch; how many deliveries were handled."""
        claimed = await self._claim()
        await self._send_all(claimed)
        touched = {d.broadcast_id for d in claimed}
        finished = await self._advance(touched)
        await self._show_progress(touched - finished, finished)
        return len(claimed)

    async def run_until_idle(
        self,
        progress: Callable[[Progress], None] | None = None,
        stopping: asyncio.Event | None = None,
        wait_for_retries: bool = False,
    ) -> int:
        """Send until nothing is due or claimable now; how many deliveries were handled.

        The next batch is claimed while the current one is sent, so the channel never idles
        between batches. With `wait_for_retries` it also waits for deliveries that are to be
        tried again later (rate limits, expired leases of a killed sender) instead of leaving
        them to the next run. `stopping` ends it after the messages in hand; what was taken
        but not sent is handed back at once.
        """
        state = Progress(known=await self.database.run(store.open_count))
        coming = asyncio.create_task(self._claim(state))
        try:
            while True:
                claimed = await coming
                if not claimed:
                    finished = await self._advance(set())  # occurrences with nothing left
                    await self._show_progress(set(), finished)
                    idle = not wait_for_retries or self.options.quiet.quiet(self.clock())
                    wake = None if idle else await self.database.run(store.next_retry)
                    if wake is None or (stopping is not None and stopping.is_set()):
                        break
                    await self._pause_until(wake, stopping)
                    coming = asyncio.create_task(self._claim(state))
                    continue
                if stopping is not None and stopping.is_set():
                    await self._release(claimed)
                    break
                coming = asyncio.create_task(self._claim(state))
                await self._send_all(claimed, stopping)
                state.handled += len(claimed)
                await self._show_progress({d.broadcast_id for d in claimed}, set())
                if progress is not None:
                    progress(state)
        finally:
            if not coming.done():
                await asyncio.wait([coming])
        return state.handled

    async def _pause_until(self, wake: dt.datetime, stopping: asyncio.Event | None) -> None:
        seconds = max(0.0, (wake - self.clock()).total_seconds()) + 0.05
        event = stopping or asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    async def _claim(self, state: Progress | None = None) -> list[store.Claimed]:
        now = self.clock()
        if self.options.quiet.quiet(now):
            return []
        for broadcast_id in await self.database.run(store.due, now):
            queued = await self.database.run(store.start_occurrence, broadcast_id, now)
            if state is not None:
                state.known += queued
            log.info("broadcast %s: %d deliveries queued", broadcast_id, queued)
        return await self.database.run(store.claim, self._batch(), self.options.lease, now)

    async def _release(self, claimed: list[store.Claimed]) -> None:
        """Give back deliveries claimed but not sent (on stop), so nobody waits for the lease."""
        now = self.clock()
        results = [store.Result(d.id, "pending", "released", now) for d in claimed]
        await self.database.run(store.record, results, now)

    def _batch(self) -> int:
        """A batch must be sent well within the lease, even on the slowest channel. The next
        batch is claimed while this one is sent, so its lease runs during two batches: each
        may take a quarter of the lease at the channel's rate, leaving half as a margin."""
        if not self.deliverers:
            return self.options.batch
        slowest = min(d.rate for d in self.deliverers.values())
        within = int(slowest * self.options.lease.total_seconds() / 4)
        return max(1, min(self.options.batch, within))

    async def _advance(self, touched: set[int]) -> set[int]:
        """Finish the occurrences that have nothing left; their broadcasts' ids."""
        finished: set[int] = set()
        for broadcast_id in touched | set(await self.database.run(store.sending)):
            new_state = await self.database.run(store.advance, broadcast_id, self.clock())
            if new_state is not None:
                finished.add(broadcast_id)
                self._broadcasts.pop(broadcast_id, None)
                self._messages = {k: v for k, v in self._messages.items() if k[0] != broadcast_id}
                log.info("broadcast %s: occurrence finished, now %s", broadcast_id, new_state)
        return finished

    async def _show_progress(self, going: set[int], finished: set[int]) -> None:
        """Update the progress messages of admins who asked for one (at most every few
        seconds while sending, and once at the end). A failure here never stops sending."""
        now = self.clock()
        for broadcast_id in sorted(going | finished):
            final = broadcast_id in finished
            try:
                target = await self.database.run(
                    store.progress_turn, broadcast_id, now, self.options.progress_every, final
                )
                channel = self.deliverers.get(target["channel"]) if target else None
                if target is None or not isinstance(channel, ProgressShower):
                    continue
                report = await self.database.run(store.report, broadcast_id)
                if report is None:
                    continue
                text = progress_text(report, self.translate(str(target.get("locale", "vi"))))
                ref = await channel.show_progress(
                    str(target["external_id"]), target.get("ref"), text
                )
                if ref is not None and ref != target.get("ref"):
                    await self.database.run(store.remember_progress_message, broadcast_id, ref)
            except Exception:
                log.exception("broadcast %s: could not update the progress message", broadcast_id)

    async def _send_all(
        self, claimed: list[store.Claimed], stopping: asyncio.Event | None = None
    ) -> None:
        """Each channel's deliveries by its own workers: a slow channel never holds up a fast
        one. When `stopping` is set the workers finish the message in hand and the rest of
        the batch is handed back at once."""
        by_channel: dict[str, list[store.Claimed]] = defaultdict(list)
        for delivery in claimed:
            by_channel[delivery.channel].append(delivery)
        workers = []
        queues = []
        for deliveries in by_channel.values():
            queue = iter(deliveries)
            queues.append(queue)
            count = min(self.options.concurrency, len(deliveries))
            workers += [self._work(queue, stopping) for _ in range(count)]
        await asyncio.gather(*workers)
        left = [delivery for queue in queues for delivery in queue]
        if left:
            await self._release(left)

    async def _work(self, queue: Iterator[store.Claimed], stopping: asyncio.Event | None) -> None:
        for delivery in queue:  # the workers share the iterator: each takes the next one
            if stopping is not None and stopping.is_set():
                await self._release([delivery])
                return
            await self._recorder.record(await self._send(delivery))
        self._recorder.hurry()

    async def _send(self, delivery: store.Claimed) -> store.Result:
        if not delivery.subscribed:
            return store.Result(delivery.id, "skipped", "opted_out")
        if delivery.unreachable:
            return store.Result(delivery.id, "skipped", "unreachable")
        deliverer = self.deliverers.get(delivery.channel)
        if deliverer is None:
            return store.Result(delivery.id, "skipped", "channel_cannot_send")
        broadcast = await self._broadcast(delivery.broadcast_id)
        if broadcast is None:
            return store.Result(delivery.id, "failed", "broadcast_missing")
        message = self._message(broadcast, delivery.locale, delivery.province)
        wait = self.paces[delivery.channel].delay()
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            outcome = await deliverer.deliver(delivery.external_id, message)
        except Exception:  # a deliverer bug must not lose the rest of the batch
            log.exception("broadcast %s: the %s channel failed", broadcast.id, delivery.channel)
            outcome = Outcome("retry", "channel_error")
        if outcome.state != "retry":
            return store.Result(
                delivery.id, outcome.state, outcome.reason, unreachable=outcome.unreachable
            )
        if delivery.attempts >= self.options.max_attempts:
            return store.Result(delivery.id, "failed", outcome.reason or "gave_up")
        backoff = self.options.backoff[min(delivery.attempts - 1, len(self.options.backoff) - 1)]
        delay = max(outcome.retry_after, backoff)
        retry_at = self.clock() + dt.timedelta(seconds=delay)
        return store.Result(delivery.id, "pending", outcome.reason or "retry", retry_at)

    async def _broadcast(self, broadcast_id: int) -> store.BroadcastRow | None:
        if broadcast_id not in self._broadcasts:
            row = await self.database.run(store.get, broadcast_id)
            if row is None:
                return None
            self._broadcasts[broadcast_id] = row
        return self._broadcasts[broadcast_id]

    def _message(
        self, broadcast: store.BroadcastRow, locale: str, province_id: str | None
    ) -> Outbound:
        key = (broadcast.id, locale, province_id)
        if key not in self._messages:
            self._messages[key] = self._render(broadcast, locale, province_id)
        return self._messages[key]

    def _render(
        self, broadcast: store.BroadcastRow, locale: str, province_id: str | None
    ) -> Outbound:
        locale = locale if locale in broadcast.texts else "vi"
        province = self.content.province(province_id)
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
