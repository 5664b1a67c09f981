"""Webhook updates: stored before the 200, handled per chat in update_id order with bounded
concurrency across chats, nothing lost in a crash, nothing answered twice."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.content import Content
from bot.engine import Engine
from bot.matcher import Understander
from bot.messages import Inbound, Outbound
from bot.storage.models import InboxEvent
from channels.telegram.ordering import ChatQueue
from tests.chat import fetch_all
from tests.fake_telegram import FakeBotAPI
from tests.test_telegram import TOKEN, running

ME = 1001


@dataclass
class Recorder:
    """Wraps the engine's `handle`: marks each reply with what it answers ("#<text>"),
    notices one person's messages handled at the same time, and can hold a message (the
    worker stays inside it) until released."""

    held: set[str] = field(default_factory=set)
    started: list[str] = field(default_factory=list)
    overlaps: list[str] = field(default_factory=list)
    holding: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    _active: Counter[str] = field(default_factory=Counter)

    def install(self, engine: Engine) -> None:
        real = engine.handle

        async def handle(inbound: Inbound) -> list[Outbound]:
            person = inbound.user_id
            self.started.append(inbound.text or "")
            self._active[person] += 1
            if self._active[person] > 1:
                self.overlaps.append(inbound.text or "")
            try:
                if inbound.text in self.held:
                    self.holding.set()
                    await self.released.wait()
                for _ in range(5):  # room for another update of this person to sneak in
                    await asyncio.sleep(0)
                replies = await real(inbound)
            finally:
                self._active[person] -= 1
            return [Outbound(f"#{inbound.text}"), *replies] if replies else []

        engine.handle = handle  # type: ignore[method-assign]


def answered(fake: FakeBotAPI, chat: int = ME) -> list[str]:
    """What the bot answered in `chat`, in the order it answered, by the marks."""
    return [text[1:] for text in fake.texts(chat) if text.startswith("#")]


async def inbox_rows(engine: Engine) -> list[InboxEvent]:
    rows: list[InboxEvent] = await fetch_all(
        engine.database, select(InboxEvent).where(InboxEvent.channel == "telegram")
    )
    return rows


async def test_twenty_updates_of_one_person_posted_at_once_are_answered_in_order(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    recorder = Recorder(held={"đầu tiên"})
    async with running(
        tmp_path, content, understander, webhook=True, prepare=recorder.install
    ) as bot:
        fake = bot.fake
        assert await bot.post_update(fake.text_update("đầu tiên", ME)) == 200
        await recorder.holding.wait()  # the worker is inside this person's first update
        questions = [f"câu {n}" for n in range(1, 21)]
        updates = [fake.text_update(question, ME) for question in questions]
        # Over 20 connections at once they may arrive in any order: shuffled here.
        shuffled = random.Random(13).sample(updates, k=len(updates))
        statuses = await asyncio.gather(*(bot.post_update(update) for update in shuffled))
        assert statuses == [200] * 20, "acknowledged at once, while the first is handled"
        assert recorder.started == ["đầu tiên"], "nothing of this person's started meanwhile"
        # A slow chat holds up only itself: somebody else is answered meanwhile.
        await bot.deliver(fake.text_update("xin chao", 2002), 2002, lambda calls: bool(calls))
        recorder.released.set()
        await fake.wait_for(lambda _: len(answered(fake)) == 21)
        assert answered(fake) == ["đầu tiên", *questions]
        assert recorder.overlaps == []
        await bot.channel.updates.idle()
        rows = await inbox_rows(bot.engine)
        assert len(rows) == 22 and all(row.done_at is not None for row in rows)


async def test_updates_acknowledged_before_a_crash_are_answered_once_after_the_restart(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    fake = FakeBotAPI(token=TOKEN)  # one Bot API for both runs: it sees every reply
    questions = [f"câu {n}" for n in range(1, 21)]
    updates = [fake.text_update(question, ME) for question in questions]
    first = Recorder(held={"câu 1"})
    async with running(
        tmp_path, content, understander, webhook=True, fake=fake, prepare=first.install
    ) as bot:
        bot.channel.updates.grace = 0  # the stop below does not wait: as abrupt as a crash
        assert await bot.post_update(updates[0]) == 200
        await first.holding.wait()  # "câu 1" is being handled ...
        rest = random.Random(7).sample(updates[1:], k=19)
        statuses = await asyncio.gather(*(bot.post_update(update) for update in rest))
        assert statuses == [200] * 19
        # ... when the server stops: 20 updates acknowledged, none answered.
    assert answered(fake) == []
    assert first.started == ["câu 1"]

    second = Recorder()
    async with running(
        tmp_path, content, understander, webhook=True, fake=fake, prepare=second.install
    ) as bot:
        # Telegram redelivers one it had an answer for (a 200 it never got, say) and sends
        # a new one: the redelivery is stored once, the new one comes after the old ones.
        assert await bot.post_update(updates[4]) == 200
        assert await bot.post_update(fake.text_update("câu mới", ME)) == 200
        await fake.wait_for(lambda _: "câu mới" in answered(fake))
        await bot.channel.updates.idle()
        assert answered(fake) == [*questions, "câu mới"], "none lost, none twice, in order"
        assert second.overlaps == []
        rows = await inbox_rows(bot.engine)
        assert len(rows) == 21 and all(row.done_at is not None for row in rows)
        interrupted = next(row for row in rows if row.event_id == str(updates[0]["update_id"]))
        # Handled from memory before the crash (no attempt counted), read back once after:
        # an update that kept crashing the process would be parked after a few restarts.
        assert interrupted.attempts == 1, "counted when read back after the crash"


async def test_a_429_is_waited_out_in_the_worker_not_in_the_webhook_request(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, webhook=True) as bot:
        fake = bot.fake
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        sending = fake.hold("sendMessage")  # the retry after the wait stays under way
        assert await bot.post_update(fake.text_update("/start", 3003)) == 200
        assert fake.sent(3003) == [], "Telegram got its 200 before the reply could be sent"
        sending.set()
        await fake.wait_for(lambda _: bool(fake.sent(3003)))
        statuses = [c.status for c in fake.calls if c.method == "sendMessage"]
        assert statuses[:2] == [429, 200], "refused once, then sent after retry_after"


# --- the queue alone ----------------------------------------------------------------------


async def test_the_queue_keeps_each_chat_in_update_order_and_queues_an_id_once() -> None:
    handled: list[int] = []

    async def handle(item: int) -> None:
        handled.append(item)

    queue = ChatQueue(handle, concurrency=4)
    # (chat, update_id, inbox id): stored in another order than Telegram numbered them.
    for chat, order, item in [("a", 103, 1), ("a", 101, 2), ("b", 102, 3), ("a", 102, 4)]:
        queue.put(chat, order, item)
    queue.put("a", 101, 2)  # already queued
    assert queue.waiting == 4
    queue.open()
    await queue.idle()
    assert [item for item in handled if item != 3] == [2, 4, 1]
    assert sorted(handled) == [1, 2, 3, 4]


async def test_the_queue_handles_at_most_its_concurrency_of_chats_at_once() -> None:
    started: list[str] = []
    two_started = asyncio.Event()
    release = {chat: asyncio.Event() for chat in "abc"}

    async def handle(item: int) -> None:
        chat = "abc"[item]
        started.append(chat)
        if len(started) == 2:
            two_started.set()
        await release[chat].wait()

    queue = ChatQueue(handle, concurrency=2)
    for number, chat in enumerate("abc"):
        queue.put(chat, 0, number)
    queue.open()
    await two_started.wait()
    for _ in range(50):  # every chance to start a third: it must not
        await asyncio.sleep(0)
    assert started == ["a", "b"]
    release["a"].set()
    release["c"].set()
    release["b"].set()
    await queue.idle()
    assert started == ["a", "b", "c"]


async def test_a_failing_update_does_not_stop_its_chat(caplog: pytest.LogCaptureFixture) -> None:
    handled: list[int] = []

    async def handle(item: int) -> None:
        if item == 1:
            raise RuntimeError("boom")
        handled.append(item)

    queue = ChatQueue(handle)
    queue.put("a", 1, 1)
    queue.put("a", 2, 2)
    queue.open()
    await queue.idle()
    assert handled == [2]
    assert "inbox item 1 failed" in caplog.text


async def test_closing_a_queue_that_never_opened_handles_nothing() -> None:
    handled: list[int] = []

    async def handle(item: int) -> None:
        handled.append(item)

    queue = ChatQueue(handle)
    queue.put("a", 1, 1)
    await queue.close(grace=5)
    queue.put("a", 2, 2)
    assert handled == [] and queue.waiting <= 1
