"""Zalo broadcasts reach followers inside Zalo's interaction window; the others are skipped
with the reason, and the admin's preview says how many each way. Every documented error
code ends a delivery the right way: sent, skipped, failed, never retried forever."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.broadcasts import reach, store
from bot.broadcasts.progress import progress_text
from bot.broadcasts.segments import Segment
from bot.broadcasts.sender import Sender, SenderOptions
from bot.content import Content
from bot.matcher import Understander
from bot.storage import User, threads
from tests.chat import fetch_all
from tests.test_zalo import Running, all_text, running

MORNING = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)  # 10:00 in Vietnam: not quiet


def sender(zalo: Running, content: Content) -> Sender:
    options = SenderOptions(batch=10, backoff=(60.0,), max_attempts=3)
    return Sender(zalo.engine.database, content, {"zalo": zalo.channel}, options, lambda: MORNING)


async def broadcast(zalo: Running, text: str = "Nhắc bà con: kích hoạt lại Bluezone") -> int:
    return await zalo.engine.database.run(
        store.create, {"vi": text}, Segment(channel="zalo"), MORNING
    )


@pytest.mark.parametrize("mode", ["accepting", "quota"])
async def test_followers_outside_the_window_are_skipped_not_failed(
    tmp_path: Path, content: Content, understander: Understander, mode: str
) -> None:
    async with running(tmp_path, content, understander, mode, buttons="numbered") as zalo:
        fake = zalo.fake
        await zalo.post(fake.event("follow", "7001"))  # followed, never wrote
        await zalo.say("7002", "xin chào")  # wrote, then two days passed
        fake.advance(hours=49)
        await zalo.say("7003", "xin chào")  # wrote just now
        identifier = await broadcast(zalo)
        before = {user: len(fake.calls) for user in ("7001", "7002", "7003")}
        await sender(zalo, content).run_until_idle()
        assert "kích hoạt lại Bluezone" in all_text(fake.sent("7003"))
        for user in ("7001", "7002"):
            tried = [c for c in fake.calls[before[user] :] if c.user_id == user]
            assert tried == [], f"{user}: nothing was even tried"
        report = await zalo.engine.database.run(store.report, identifier)
        assert report is not None
        assert (report["sent"], report["skipped"], report["failed"], report["pending"]) == (
            1,
            2,
            0,
            0,
        )
        assert report["reasons"] == {"outside_zalo_window": 2}
        text = progress_text(report, zalo.engine.responder.catalogs["vi"].gettext)
        assert "ngoài khung tương tác của Zalo 2" in text


async def test_the_preview_counts_who_each_way_reaches(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    admin = "7100"
    async with running(
        tmp_path, content, understander, buttons="numbered", ADMIN_ZALO_IDS=admin
    ) as zalo:
        fake = zalo.fake
        await zalo.post(fake.event("follow", "7101"))
        await zalo.say("7102", "xin chào")
        await zalo.say("7103", "xin chào")
        # 7102 wrote two days ago (the admin's preview reads the wall clock).
        thread = await zalo.channel.outbox.thread("7102")
        assert thread is not None and thread.last_message_at is not None
        thread.last_message_at -= dt.timedelta(hours=49)
        await zalo.engine.database.run(threads.save, thread)
        windows = reach.windows()
        assert [w.channel for w in windows] == ["zalo"]
        now = dt.datetime.now(dt.UTC)
        split = await zalo.engine.database.run(reach.split, Segment(), now, windows[0])
        assert split == (1, 2)
        await zalo.say(admin, "/broadcast")
        await zalo.say(admin, "Nhắc bà con cài Bluezone")
        replies = await zalo.say(admin, "1")  # "Everyone"
        preview = all_text(replies)
        assert "Xem trước" in preview
        # The admin wrote just now too: two inside the window, two outside.
        assert "Zalo: 2 người nhận được ngay (đã nhắn trong 48 giờ qua); 2 người ngoài" in preview


@pytest.mark.parametrize(
    ("code", "state", "reason", "unreachable"),
    [
        (-213, "skipped", "unreachable", True),
        (-217, "skipped", "unreachable", True),
        (-227, "skipped", "unreachable", True),
        (-244, "skipped", "unreachable", True),
        (-230, "skipped", "outside_zalo_window", False),
        (-232, "skipped", "outside_zalo_window", False),
        (-218, "skipped", "zalo_quota", False),
        (-211, "skipped", "zalo_quota", False),
        (-221, "failed", "zalo_error_-221", False),
        (-201, "failed", "zalo_error_-201", False),
        (-99999, "failed", "zalo_error_-99999", False),
    ],
)
async def test_each_error_code_ends_a_delivery_once(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    code: int,
    state: str,
    reason: str,
    unreachable: bool,
) -> None:
    async with running(tmp_path, content, understander, buttons="numbered") as zalo:
        fake = zalo.fake
        await zalo.say("7201", "xin chào")
        identifier = await broadcast(zalo)
        fake.fail_next(code, times=10)
        before = len(fake.calls)
        await sender(zalo, content).run_until_idle(wait_for_retries=False)
        tries = [c for c in fake.calls[before:] if c.method == "send"]
        assert len(tries) == 1, "a permanent answer is never retried"
        report = await zalo.engine.database.run(store.report, identifier)
        assert report is not None and report[state] == 1 and report["pending"] == 0
        assert report["reasons"] == {reason: 1}
        (person,) = await fetch_all(zalo.engine.database, select(User))
        assert (person.unreachable_since is not None) is unreachable


async def test_a_rate_limit_is_retried_then_sent(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, buttons="numbered") as zalo:
        await zalo.say("7301", "xin chào")
        identifier = await broadcast(zalo)
        zalo.fake.fail_next(-32, times=2)
        await sender(zalo, content).run_until_idle()
        report = await zalo.engine.database.run(store.report, identifier)
        assert report is not None and report["sent"] == 1


async def test_a_broadcast_button_can_be_chosen_by_number(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, buttons="numbered") as zalo:
        await zalo.say("7401", "xin chào")
        guide = {"label": {"vi": "Hướng dẫn cài Bluezone"}, "action": "g:bluezone.install"}
        await zalo.engine.database.run(
            store.create, {"vi": "Nhắc"}, Segment(channel="zalo"), MORNING, buttons=[guide]
        )
        await sender(zalo, content).run_until_idle()
        assert "1. Hướng dẫn cài Bluezone" in all_text(zalo.fake.sent("7401")[-1:])
        replies = await zalo.say("7401", "1")
        assert "Điện thoại của bạn là loại nào?" in all_text(replies)
