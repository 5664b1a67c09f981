"""Signed Zalo events cannot be replayed: too old, from the future, or after the message id
was forgotten, they are refused (4xx) and logged; a replayed admin action does nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Connection

from bot.broadcasts import store
from bot.broadcasts.segments import Segment
from bot.content import Content
from bot.engine import Engine
from bot.matcher import Understander
from bot.storage.models import InboundSeen, InboxEvent
from bot.storage.retention import HANDLED_EVENTS_KEPT, SEEN_IDS_KEPT
from channels.zalo.config import MAX_EVENT_MAX_AGE
from tests.test_zalo import running


def ms(moment: dt.datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def _forget(connection: Connection) -> None:
    connection.execute(delete(InboundSeen))
    connection.execute(delete(InboxEvent))


async def forget_seen_ids(engine: Engine) -> None:
    """What the retention purge does once the de-duplication windows have passed."""
    await engine.database.run(_forget)


@pytest.mark.parametrize(
    ("stamp", "status"),
    [
        (lambda now: ms(now - dt.timedelta(minutes=11)), 403),  # stale
        (lambda now: ms(now + dt.timedelta(hours=1)), 403),  # from the future
        (lambda now: ms(dt.datetime(2020, 1, 1, tzinfo=dt.UTC)), 403),
        (lambda now: ms(dt.datetime(2100, 1, 1, tzinfo=dt.UTC)), 403),
        (lambda now: "not-a-time", 400),
        (lambda now: ms(now - dt.timedelta(minutes=9)), 200),
        (lambda now: ms(now + dt.timedelta(seconds=30)), 200),  # a little clock skew is fine
    ],
)
async def test_only_fresh_signed_events_are_handled(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
    stamp: object,
    status: int,
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake = zalo.fake
        assert callable(stamp)
        event = fake.event("user_send_text", "9001", text="xin chào", timestamp=stamp(fake.now()))
        assert await zalo.post(event) == status
        assert bool(fake.sent("9001")) is (status == 200)
        if status != 200:
            assert any("request refused" in r.message for r in caplog.records)


async def test_the_header_timestamp_variant_is_checked_for_freshness_too(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, mode="header_timestamp") as zalo:
        fake = zalo.fake
        body, headers = fake.signed(fake.event("user_send_text", "9002", text="xin chào"))
        assert "X-ZEvent-Timestamp" in headers
        assert await zalo.post_raw(body, headers) == 200
        fake.advance(minutes=11)
        await forget_seen_ids(zalo.engine)
        before = len(fake.sent("9002"))
        assert await zalo.post_raw(body, headers) == 403, "a captured request, replayed later"
        assert len(fake.sent("9002")) == before


async def test_a_replay_after_the_ids_are_forgotten_is_refused(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake = zalo.fake
        body, headers = fake.signed(fake.event("user_send_text", "9003", text="cai bluezone"))
        assert await zalo.post_raw(body, headers) == 200
        handled = len(fake.sent("9003"))
        assert await zalo.post_raw(body, headers) == 200, "a redelivery within minutes"
        assert len(fake.sent("9003")) == handled, "is handled once"
        fake.advance(days=8)  # the week of remembered ids is over, and the ids are purged
        await forget_seen_ids(zalo.engine)
        assert await zalo.post_raw(body, headers) == 403
        assert len(fake.sent("9003")) == handled


async def test_a_replayed_admin_resume_does_nothing(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    admin = "9100"
    async with running(tmp_path, content, understander, ADMIN_ZALO_IDS=admin) as zalo:
        fake, database = zalo.fake, zalo.engine.database
        now = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        broadcast = await database.run(store.create, {"vi": "Nhắc"}, Segment(), now)
        assert await database.run(store.change_state, broadcast, "pause") == "paused"
        resume = fake.event("user_send_text", admin, text=f"#hd:bc:resume:{broadcast}")
        captured = fake.signed(resume)
        assert await zalo.post_raw(*captured) == 200
        row = await database.run(store.get, broadcast)
        assert row is not None and row.state == "scheduled", "the admin resumed it"
        assert await database.run(store.change_state, broadcast, "pause") == "paused"
        fake.advance(days=8)
        await forget_seen_ids(zalo.engine)
        assert await zalo.post_raw(*captured) == 403
        row = await database.run(store.get, broadcast)
        assert row is not None and row.state == "paused", "the replay changed nothing"


async def test_a_shorter_freshness_window_can_be_set(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, ZALO_EVENT_MAX_AGE_SECONDS="60") as zalo:
        fake = zalo.fake
        old = fake.event(
            "user_send_text",
            "9004",
            text="xin chào",
            timestamp=ms(fake.now() - dt.timedelta(seconds=90)),
        )
        assert await zalo.post(old) == 403


def test_message_ids_are_remembered_longer_than_any_event_may_be_old() -> None:
    assert dt.timedelta(seconds=MAX_EVENT_MAX_AGE) <= HANDLED_EVENTS_KEPT <= SEEN_IDS_KEPT
