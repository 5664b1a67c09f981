"""The sender against the real queue, with a scripted channel standing in for Telegram/Zalo."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from bot.broadcasts import store
from bot.broadcasts.segments import Segment
from bot.broadcasts.sender import Pace, Sender, SenderOptions
from bot.content import Content
from bot.delivery import Outcome
from bot.engine import Engine
from bot.messages import Inbound, Outbound
from channels.telegram.pacing import Spacing

MORNING = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)  # 10:00 in Vietnam


@dataclass
class ScriptedChannel:
    """Answers each send with the next scripted outcome for that person, else "sent"."""

    channel: str = "telegram"
    rate: float = 10_000.0
    script: dict[str, list[Outcome]] = field(default_factory=dict)
    sent: list[tuple[str, str]] = field(default_factory=list)
    messages: list[Outbound] = field(default_factory=list)

    async def deliver(self, external_id: str, message: Outbound) -> Outcome:
        queued = self.script.get(external_id)
        outcome = queued.pop(0) if queued else Outcome("sent")
        if outcome.state == "sent":
            self.sent.append((external_id, message.text))
            self.messages.append(message)
        return outcome


@dataclass
class Clock:
    now: dt.datetime = MORNING

    def __call__(self) -> dt.datetime:
        return self.now


async def people(engine: Engine, channel: str, ids: range, province: str = "soc-trang") -> None:
    for user in ids:
        await engine.handle(Inbound(channel=channel, user_id=str(user), action=f"p:{province}"))


async def broadcast(engine: Engine, text: str = "Nhắc {{ province }}", **kw: object) -> int:
    def create(connection: Connection) -> int:
        return store.create(connection, {"vi": text}, Segment(**kw), MORNING)  # type: ignore[arg-type]

    return await engine.database.run(create)


def sender(engine: Engine, content: Content, channel: ScriptedChannel, clock: Clock) -> Sender:
    options = SenderOptions(batch=7, backoff=(60.0,), max_attempts=3)
    return Sender(engine.database, content, {channel.channel: channel}, options, clock)


async def test_sends_once_each_skipping_who_cannot_or_will_not_get_it(
    any_engine: Engine, content: Content
) -> None:
    await people(any_engine, "telegram", range(20))
    # Zalo people, with no Zalo deliverer here (web chat people are never queued at all).
    await people(any_engine, "zalo", range(100, 103))
    identifier = await broadcast(any_engine)
    channel, clock = ScriptedChannel(), Clock()
    bulk = sender(any_engine, content, channel, clock)
    await bulk.step()  # queues everyone, sends a first batch
    await any_engine.handle(Inbound(channel="telegram", user_id="19", text="/stop"))
    await bulk.run_until_idle()
    assert sorted(int(u) for u, _ in channel.sent) == list(range(19))
    assert {text for _, text in channel.sent} == {"Nhắc Sóc Trăng"}
    status = await any_engine.database.run(store.report, identifier)
    assert status is not None
    assert (status["sent"], status["skipped"], status["pending"]) == (19, 4, 0)
    assert status["reasons"] == {"opted_out": 1, "channel_cannot_send": 3}
    assert status["by_channel"]["zalo"] == {"skipped": 3}
    assert status["state"] == "done"


async def test_quiet_hours_hold_everything_until_morning(
    any_engine: Engine, content: Content
) -> None:
    await people(any_engine, "telegram", range(3))
    await broadcast(any_engine)
    channel = ScriptedChannel()
    clock = Clock(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC))  # 22:00 in Vietnam
    bulk = sender(any_engine, content, channel, clock)
    assert await bulk.run_until_idle() == 0 and channel.sent == []
    clock.now = dt.datetime(2026, 11, 24, 0, 5, tzinfo=dt.UTC)  # 07:05
    assert await bulk.run_until_idle() == 3


async def test_rate_limits_errors_and_blocked_people(any_engine: Engine, content: Content) -> None:
    await people(any_engine, "telegram", range(4))
    identifier = await broadcast(any_engine)
    channel = ScriptedChannel(
        script={
            "0": [Outcome("retry", "429", retry_after=120.0)],
            "1": [Outcome("retry", "http_502")] * 5,
            "2": [Outcome("skipped", "blocked")],
        }
    )
    clock = Clock()
    bulk = sender(any_engine, content, channel, clock)
    await bulk.run_until_idle()
    assert [u for u, _ in channel.sent] == ["3"]
    clock.now += dt.timedelta(seconds=61)  # the 502 retry is due, the 429 wait is not
    await bulk.run_until_idle()
    assert [u for u, _ in channel.sent] == ["3"]
    clock.now += dt.timedelta(seconds=120)
    await bulk.run_until_idle()
    assert sorted(u for u, _ in channel.sent) == ["0", "3"]
    clock.now += dt.timedelta(hours=1)
    await bulk.run_until_idle()
    status = await any_engine.database.run(store.report, identifier)
    assert status is not None
    assert (status["sent"], status["failed"], status["skipped"], status["pending"]) == (2, 1, 1, 0)
    assert status["reasons"] == {"http_502": 1, "blocked": 1}


async def test_a_killed_sender_is_resumed_without_skipping_anyone(
    any_engine: Engine, content: Content
) -> None:
    await people(any_engine, "telegram", range(15))
    identifier = await broadcast(any_engine)
    clock = Clock()
    dead = sender(any_engine, content, ScriptedChannel(), clock)
    await dead.step()  # sends one batch of 7...
    # ...then takes the next batch and dies before sending it (SIGKILL between claim and send).
    lost = await any_engine.database.run(store.claim, 7, dead.options.lease, clock.now)
    assert len(lost) == 7
    channel = ScriptedChannel()
    clock.now += dead.options.lease * 2
    await sender(any_engine, content, channel, clock).run_until_idle()
    assert sorted(int(u) for u, _ in channel.sent) == sorted(
        {int(d.external_id) for d in lost} | {14}
    ), "the dead sender's batch and the rest, each once"
    status = await any_engine.database.run(store.report, identifier)
    assert status is not None and (status["sent"], status["pending"]) == (15, 0)


async def test_two_senders_on_one_database_never_send_twice(
    any_engine: Engine, content: Content
) -> None:
    await people(any_engine, "telegram", range(40))
    await broadcast(any_engine)
    clock = Clock()
    first, second = ScriptedChannel(), ScriptedChannel()
    await asyncio.gather(
        sender(any_engine, content, first, clock).run_until_idle(),
        sender(any_engine, content, second, clock).run_until_idle(),
    )
    counts = Counter(u for u, _ in first.sent + second.sent)
    assert len(counts) == 40 and set(counts.values()) == {1}


def test_pace_spaces_sends_at_the_rate() -> None:
    moments = iter([0.0, 0.0, 0.0, 0.0, 0.0, 1.0])  # the first is read at creation
    pace = Pace(rate=2.0, burst=2.0, clock=lambda: next(moments))
    assert [pace.delay() for _ in range(4)] == [0.0, 0.0, 0.5, 1.0]
    assert pace.delay() == 0.5, "a second later two more tokens came, three were owed"


async def test_buttons_go_out_in_each_persons_language(
    any_engine: Engine, content: Content
) -> None:
    from bot.broadcasts.buttons import button_for

    await people(any_engine, "telegram", range(2))
    await any_engine.handle(Inbound(channel="telegram", user_id="1", action="l:en"))
    buttons = [
        button_for(content, "guide:bluezone.reactivate"),
        button_for(content, "https://bluezone.gov.vn=Tải Bluezone"),
    ]

    def create(connection: Connection) -> int:
        return store.create(
            connection, {"vi": "Nhắc", "en": "Reminder"}, Segment(), MORNING, buttons=buttons
        )

    await any_engine.database.run(create)
    channel = ScriptedChannel()
    await sender(any_engine, content, channel, Clock()).run_until_idle()
    by_person = dict(zip((u for u, _ in channel.sent), channel.messages, strict=True))
    guide = content.guides["bluezone.reactivate"]
    assert by_person["0"].text == "Nhắc" and by_person["1"].text == "Reminder"
    for person, locale in (("0", "vi"), ("1", "en")):
        message = by_person[person]
        assert [(b.label, b.action) for b in message.buttons] == [
            (guide.title.get(locale), "g:bluezone.reactivate")
        ]
        assert [(link.label, link.url) for link in message.links] == [
            ("Tải Bluezone", "https://bluezone.gov.vn")
        ]


async def test_a_stopped_sender_hands_back_what_it_had_not_sent(
    any_engine: Engine, content: Content
) -> None:
    await people(any_engine, "telegram", range(12))
    identifier = await broadcast(any_engine)
    stopping = asyncio.Event()

    @dataclass
    class StopsAfterThree(ScriptedChannel):
        async def deliver(self, external_id: str, message: Outbound) -> Outcome:
            outcome = await super().deliver(external_id, message)
            if len(self.sent) == 3:
                stopping.set()  # as SIGTERM would, in the middle of a batch of 7
            return outcome

    clock = Clock()
    options = SenderOptions(batch=7, concurrency=1)
    channel = StopsAfterThree()
    stopped = Sender(any_engine.database, content, {"telegram": channel}, options, clock)
    await stopped.run_until_idle(stopping=stopping)
    assert len(channel.sent) == 3
    after = ScriptedChannel()
    await sender(any_engine, content, after, clock).run_until_idle()  # no lease to wait for
    assert sorted(int(u) for u, _ in channel.sent + after.sent) == list(range(12))
    status = await any_engine.database.run(store.report, identifier)
    assert status is not None and (status["sent"], status["state"]) == (12, "done")


def test_spacing_keeps_one_message_per_chat_per_interval() -> None:
    now = [0.0]
    spacing = Spacing(1.0, clock=lambda: now[0])
    assert [spacing.delay("a"), spacing.delay("a"), spacing.delay("b")] == [0.0, 1.0, 0.0]
    now[0] = 1.5
    assert spacing.delay("a") == 0.5, "a's next turn is at 2.0"
    assert spacing.delay("b") == 0.0
