"""The broadcast foundation: segments, templates, schedules and the durable delivery queue."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Connection

from bot.broadcasts import store
from bot.broadcasts.schedule import QuietHours, next_run, valid_rule
from bot.broadcasts.segments import Segment
from bot.broadcasts.templates import Recipient, problems, render
from bot.engine import Engine
from bot.messages import Inbound

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)  # 10:00 in Vietnam
LEASE = dt.timedelta(minutes=2)


async def people(engine: Engine, *specs: tuple[str, str, str | None]) -> None:
    """Create people by talking to the bot: (channel, id, province)."""
    for channel, user, province in specs:
        action = f"p:{province}" if province else "menu"
        await engine.handle(Inbound(channel=channel, user_id=user, action=action))


def test_templates_are_checked_and_rendered() -> None:
    assert problems({"vi": "Nhắc {{ province }}: hãy cài Bluezone"}, 2000) == []
    assert problems({"en": "hi"}, 2000) == ["a Vietnamese text is required"]
    assert "undefined" in problems({"vi": "Chào {{ name }}"}, 2000)[0]
    assert problems({"vi": "{{ ''.__class__.__mro__ }}"}, 2000), "the sandbox refuses attributes"
    assert "over the limit" in problems({"vi": "x" * 2001}, 2000)[0]
    text = render("<b>{{ province }}</b>", Recipient(province="Sóc Trăng"))
    assert text == "<b>Sóc Trăng</b>", "plain text: each channel escapes it"


def test_schedules_and_quiet_hours() -> None:
    assert valid_rule("0 8 * * 1") and not valid_rule("every monday")
    monday = next_run("0 8 * * 1", NOW)  # NOW is a Monday, 10:00 local: next Monday 08:00
    assert monday == dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
    quiet = QuietHours()
    late = dt.datetime(2026, 11, 23, 15, 30, tzinfo=dt.UTC)  # 22:30 local
    assert quiet.quiet(late) and not quiet.quiet(NOW)
    assert quiet.resume_at(late) == dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC)  # 07:00
    early = dt.datetime(2026, 11, 23, 22, 0, tzinfo=dt.UTC)  # 05:00 local next day
    assert quiet.resume_at(early) == dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC)
    assert quiet.resume_at(NOW) == NOW


async def test_segments_combine(any_engine: Engine) -> None:
    await people(
        any_engine,
        ("telegram", "1", "soc-trang"),
        ("telegram", "2", "quang-ngai"),
        ("zalo", "3", "soc-trang"),
        ("web", "4", None),
    )
    await any_engine.handle(Inbound(channel="zalo", user_id="3", text="/stop"))
    await any_engine.handle(Inbound(channel="telegram", user_id="1", action="g:bluezone.install"))

    async def count(segment: Segment) -> int:
        def run(connection: Connection) -> int:
            identifier = store.create(connection, {"vi": "x"}, segment, NOW)
            return store.start_occurrence(connection, identifier, NOW)

        return await any_engine.database.run(run)

    assert await count(Segment()) == 2, "subscribed (zalo 3 opted out), reachable (not web 4)"
    assert await count(Segment(province="soc-trang")) == 1
    assert await count(Segment(channel="telegram")) == 2
    assert await count(Segment(not_completed_guide="bluezone.install")) == 1
    assert await count(Segment(unseen_days=30)) == 0


async def test_queue_lifecycle_with_a_kill_and_two_senders(any_engine: Engine) -> None:
    await people(any_engine, *[("telegram", str(i), "soc-trang") for i in range(10)])

    def create(connection: Connection) -> int:
        identifier = store.create(connection, {"vi": "Nhắc"}, Segment(), NOW)
        store.start_occurrence(connection, identifier, NOW)
        return identifier

    broadcast = await any_engine.database.run(create)
    first = await any_engine.database.run(store.claim, 4, LEASE, NOW)
    second = await any_engine.database.run(store.claim, 4, LEASE, NOW)
    assert len(first) == len(second) == 4
    assert not {c.id for c in first} & {c.id for c in second}, "two senders never share"
    for claimed in second:
        await any_engine.database.run(store.finish, claimed.id, "sent", None, NOW)
    # The first sender is killed now: its four stay "sending" until their lease runs out,
    # and meanwhile nobody else may take them.
    rest = await any_engine.database.run(store.claim, 10, LEASE, NOW)
    assert len(rest) == 2 and not {c.id for c in rest} & {c.id for c in first}
    for claimed in rest:
        await any_engine.database.run(store.finish, claimed.id, "sent", None, NOW)
    later = NOW + LEASE * 5
    taken = await any_engine.database.run(store.claim, 10, LEASE, later)
    assert {c.id for c in taken} == {c.id for c in first}, "the killed sender's work resumes"
    for claimed in taken:
        await any_engine.database.run(store.finish, claimed.id, "sent", None, later)
    status = await any_engine.database.run(store.report, broadcast)
    assert status is not None
    assert (status["total"], status["sent"], status["pending"]) == (10, 10, 0)
    assert await any_engine.database.run(store.advance, broadcast, later) == "done"


async def test_opt_out_during_a_broadcast_is_visible_to_the_sender(any_engine: Engine) -> None:
    await people(any_engine, ("telegram", "1", "soc-trang"), ("telegram", "2", "soc-trang"))

    def create(connection: Connection) -> int:
        identifier = store.create(connection, {"vi": "Nhắc"}, Segment(), NOW)
        store.start_occurrence(connection, identifier, NOW)
        return identifier

    await any_engine.database.run(create)
    await any_engine.handle(Inbound(channel="telegram", user_id="2", text="/stop"))
    claimed = await any_engine.database.run(store.claim, 10, LEASE, NOW)
    assert {(c.external_id, c.subscribed) for c in claimed} == {("1", True), ("2", False)}


async def test_pause_resume_cancel(any_engine: Engine) -> None:
    await people(any_engine, ("telegram", "1", "other"))

    def create(connection: Connection) -> int:
        return store.create(connection, {"vi": "Nhắc"}, Segment(), NOW)

    broadcast = await any_engine.database.run(create)
    assert await any_engine.database.run(store.change_state, broadcast, "resume") is None
    assert await any_engine.database.run(store.change_state, broadcast, "pause") == "paused"
    assert await any_engine.database.run(store.due, NOW) == [], "a paused broadcast is not due"
    assert await any_engine.database.run(store.change_state, broadcast, "resume") == "scheduled"
    assert await any_engine.database.run(store.start_occurrence, broadcast, NOW) == 1
    assert await any_engine.database.run(store.change_state, broadcast, "pause") == "paused"
    assert await any_engine.database.run(store.claim, 10, LEASE, NOW) == [], "nothing sent paused"
    assert await any_engine.database.run(store.change_state, broadcast, "resume") == "sending"
    assert await any_engine.database.run(store.change_state, broadcast, "cancel") == "cancelled"
    assert await any_engine.database.run(store.claim, 10, LEASE, NOW) == []
    assert await any_engine.database.run(store.change_state, broadcast, "cancel") is None


async def test_a_recurring_broadcast_fires_again_until_its_end(any_engine: Engine) -> None:
    await people(any_engine, ("telegram", "1", "soc-trang"))
    until = NOW + dt.timedelta(days=8)

    def create(connection: Connection) -> int:
        return store.create(connection, {"vi": "Nhắc"}, Segment(), NOW, "0 8 * * 1", until)

    broadcast = await any_engine.database.run(create)
    moment = NOW
    fired = []
    for _ in range(4):
        due = await any_engine.database.run(store.due, moment)
        if broadcast in due:
            await any_engine.database.run(store.start_occurrence, broadcast, moment)
            for claimed in await any_engine.database.run(store.claim, 10, LEASE, moment):
                await any_engine.database.run(store.finish, claimed.id, "sent", None, moment)
            fired.append(moment)
            await any_engine.database.run(store.advance, broadcast, moment)
        row = await any_engine.database.run(store.get, broadcast)
        assert row is not None
        if row.next_run_at is None:
            break
        moment = row.next_run_at
    assert fired == [NOW, dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)], "twice, then done"
    row = await any_engine.database.run(store.get, broadcast)
    assert row is not None and row.state == "done" and row.occurrence == 2


async def test_a_person_who_deletes_their_data_leaves_the_queue(any_engine: Engine) -> None:
    await people(any_engine, ("telegram", "1", "soc-trang"), ("telegram", "2", "soc-trang"))

    def create(connection: Connection) -> int:
        identifier = store.create(connection, {"vi": "Nhắc"}, Segment(), NOW)
        store.start_occurrence(connection, identifier, NOW)
        return identifier

    broadcast = await any_engine.database.run(create)
    await any_engine.forget_person("telegram", "2")
    status = await any_engine.database.run(store.report, broadcast)
    assert status is not None and status["total"] == 1


@pytest.mark.parametrize("bad", ["", "   "])
def test_an_empty_vietnamese_text_is_refused(bad: str) -> None:
    assert problems({"vi": bad}, 100)
