"""Zalo end to end: signed webhook requests into our real server, a local fake of Zalo's send
and OAuth APIs out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.app import build_engine
from bot.content import Content
from bot.engine import Engine
from bot.matcher import Understander
from bot.server import EXTRAS_KEY, create_app
from bot.settings import Settings
from bot.storage import User, credentials, inbox
from bot.storage.models import InboxEvent
from channels.zalo.adapter import ZaloChannel
from tests.chat import fetch_all
from tests.fake_zalo import Call, FakeZalo


@dataclass
class Running:
    fake: FakeZalo
    engine: Engine
    channel: ZaloChannel
    port: int
    session: aiohttp.ClientSession

    async def post(self, event: dict[str, Any], secret: str | None = None) -> int:
        """Post a signed event and wait until our server has handled it."""
        body, headers = self.fake.signed(event, secret)
        async with self.session.post(
            f"http://127.0.0.1:{self.port}/zalo/webhook", data=body, headers=headers
        ) as response:
            status = response.status
        await self.channel.idle()
        return status

    async def say(self, user: str, text: str) -> list[Call]:
        before = len(self.fake.sent(user))
        assert await self.post(self.fake.event("user_send_text", user, text=text)) == 200
        return self.fake.sent(user)[before:]

    async def press(self, user: str, action: str) -> list[Call]:
        return await self.say(user, f"#hd:{action}")


def payloads(calls: list[Call]) -> list[str]:
    return [
        b["payload"]
        for c in calls
        for b in c.buttons
        if b["type"] in ("oa.query.hide", "oa.query.show")
    ]


def all_text(calls: list[Call]) -> str:
    return "\n".join(c.text or "" for c in calls)


@asynccontextmanager
async def running(
    tmp_path: Path, content: Content, understander: Understander, **tokens: str
) -> AsyncIterator[Running]:
    fake = FakeZalo()
    base = await fake.start()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'zalo.db'}",
        "ZALO_APP_ID": fake.app_id,
        "ZALO_OA_SECRET_KEY": fake.oa_secret_key,
        "ZALO_APP_SECRET": fake.app_secret,
        "ZALO_ACCESS_TOKEN": tokens.get("access", fake.access_token),
        "ZALO_REFRESH_TOKEN": tokens.get("refresh", fake.refresh_token),
        "ZALO_API_BASE_URL": base,
        "ZALO_OAUTH_BASE_URL": base,
    }
    settings = Settings.from_env(env)
    engine = await build_engine(settings, content=content, understander=understander)
    app = await create_app(engine, settings)
    channel = app[EXTRAS_KEY]["zalo"]
    assert isinstance(channel, ZaloChannel)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Running(fake, engine, channel, runner.addresses[0][1], session)
    finally:
        await runner.cleanup()
        await engine.database.dispose()
        await fake.stop()


async def test_full_conversation(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake, me = zalo.fake, "8001"
        before = len(fake.sent(me))
        assert await zalo.post(fake.event("follow", me)) == 200
        welcome = fake.sent(me)[before:]
        assert "#hd:p:soc-trang" in payloads(welcome)

        await zalo.press(me, "p:soc-trang")
        replies = await zalo.say(me, "cai bluezone tren dt samsung ntn")
        assert "#hd:g:bluezone.install:android" in payloads(replies)
        guide = content.guide("bluezone.install")
        assert guide is not None
        android = guide.branch("android")
        assert android is not None
        replies = await zalo.press(me, "g:bluezone.install:android")
        for step in android.steps:
            assert f"#hd:s:bluezone.install:android:{step.id}:ok" in payloads(replies)
            replies = await zalo.press(me, f"s:bluezone.install:android:{step.id}:ok")
        assert "#hd:w:bluezone.install:yes" in payloads(replies)
        await zalo.press(me, "w:bluezone.install:yes")

        replies = await zalo.say(me, "cho xin so dien thoai ho tro")
        calls = [b for c in replies for b in c.buttons if b["type"] == "oa.open.phone"]
        assert calls == [
            {
                "title": "☎ Trung tâm Công nghệ thông tin và Truyền thông",
                "type": "oa.open.phone",
                "payload": {"phone_code": "02993626800"},
            }
        ]
        assert all(len(c.buttons) <= 4 and len(c.text or "") <= 2000 for c in fake.sent(me))


async def test_signatures_replays_and_crash_safety(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake = zalo.fake
        forged = fake.event("user_send_text", "8002", text="cai bluezone")
        assert await zalo.post(forged, secret="not-the-secret") == 401
        body, _ = fake.signed(forged)
        async with zalo.session.post(
            f"http://127.0.0.1:{zalo.port}/zalo/webhook", data=body
        ) as response:
            assert response.status == 401, "no signature header"
        assert fake.sent("8002") == []
        assert await fetch_all(zalo.engine.database, select(InboxEvent)) == []

        event = fake.event("user_send_text", "8003", text="cai bluezone", msg_id="msg-42")
        assert await zalo.post(event) == 200
        first = len(fake.sent("8003"))
        assert first >= 1
        assert await zalo.post(event) == 200, "a redelivery is acknowledged"
        assert len(fake.sent("8003")) == first, "and handled once"

    # A crash between the acknowledgement and the handling: the event waits in the inbox and
    # is handled when the server starts again.
    async with running(tmp_path, content, understander) as again:
        assert again.fake.sent("8004") == []
    pending = again.fake.event("user_send_text", "8004", text="otp ko ve", msg_id="msg-crash")
    url = f"sqlite:///{tmp_path / 'zalo.db'}"
    engine = await build_engine(
        Settings.from_env({"DATABASE_URL": url}), content=content, understander=understander
    )
    await engine.database.run(inbox.store, "zalo", "msg-crash", pending)
    await engine.database.dispose()
    async with running(tmp_path, content, understander) as restarted:
        await restarted.channel.idle()
        assert restarted.fake.sent("8004"), "the pending event was handled after the restart"
        (row,) = await fetch_all(
            restarted.engine.database, select(InboxEvent).where(InboxEvent.event_id == "msg-crash")
        )
        assert row.done_at is not None


async def test_follow_unfollow_and_other_events(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake = zalo.fake
        await zalo.post(fake.event("follow", "8005"))
        before = len(fake.sent("8005"))
        assert await zalo.post(fake.event("user_send_image", "8005")) == 200
        assert "chỉ đọc được chữ" in all_text(fake.sent("8005")[before:])
        before = len(fake.sent("8005"))
        assert await zalo.post(fake.event("oa_send_text", "8005", text="echo")) == 200
        assert await zalo.post(fake.event("unfollow", "8005")) == 200
        (person,) = await fetch_all(zalo.engine.database, select(User))
        assert person.subscribed is False and person.unreachable_since is not None
        assert len(fake.sent("8005")) == before, "no answer to our own echo, none after unfollow"


async def test_a_menu_with_six_choices_takes_two_messages(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        await zalo.press("8006", "p:quang-ngai")
        await zalo.press("8006", "g:bluezone.install:ios")
        replies = await zalo.say("8006", "dừng")  # leaves a guide to resume: six choices
        assert [len(c.buttons) for c in replies] == [3, 3]
        assert payloads(replies)[0] == "#hd:r"


async def test_expired_token_is_refreshed_once_and_stored(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake = zalo.fake
        fake.expire_access_token()
        replies = await zalo.say("8007", "xin chao")
        assert replies, "sent after the refresh"
        assert len(fake.refreshed()) == 1
        stored = await zalo.engine.database.run(credentials.load, "zalo")
        assert stored == (fake.access_token, fake.refresh_token)


async def test_a_refresh_that_fails_is_reported_not_crashed(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake = zalo.fake
        fake.expire_access_token()
        fake.fail_refresh()
        assert await zalo.post(fake.event("user_send_text", "8008", text="xin chao")) == 200
        # The first message is lost to the refused refresh (counted, no crash); the next one
        # refreshes again, successfully, and goes out.
        assert zalo.channel.client.counts["failed"] == 1
        assert [c.ok for c in fake.calls if c.method == "refresh"] == [False, True]
        assert len(fake.sent("8008")) == 1
        replies = await zalo.say("8008", "cai bluezone")
        assert replies and len(fake.refreshed()) == 1, "the new token is kept"


async def test_rate_limit_and_interaction_window(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake = zalo.fake
        fake.fail_next(-32)
        assert await zalo.say("8009", "xin chao"), "sent after backing off"
        fake.fail_next(-230)
        assert await zalo.post(fake.event("user_send_text", "8010", text="xin chao")) == 200
        attempts = [c for c in fake.calls if c.method == "send" and c.user_id == "8010"]
        assert len(attempts) == 1, "outside the window: counted, not retried"
        assert zalo.channel.client.counts["unreachable-230"] == 1
        people = {p.external_id: p for p in await fetch_all(zalo.engine.database, select(User))}
        assert people["8010"].unreachable_since is not None


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"ZALO_APP_ID": "123"}, "ZALO_OA_SECRET_KEY"),
        ({"ZALO_APP_ID": "abc", "ZALO_OA_SECRET_KEY": "x"}, "ZALO_APP_ID"),
        (
            {"ZALO_APP_ID": "1", "ZALO_OA_SECRET_KEY": "x", "ZALO_API_BASE_URL": "http://evil"},
            "ZALO_API_BASE_URL",
        ),
    ],
)
def test_wrong_zalo_settings_name_themselves(env: dict[str, str], name: str) -> None:
    from bot.settings import SettingsError
    from channels.zalo.config import ZaloSettings

    with pytest.raises(SettingsError, match=name):
        ZaloSettings.from_env(env)
