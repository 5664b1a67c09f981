"""Zalo end to end: signed webhook requests into our real server, a local fake of Zalo's send
and OAuth APIs out, under every way the fake can disagree with us (tests/fake_zalo.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
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
from bot.server import DELIVERERS_KEY, HEALTH_KEY, create_app
from bot.settings import Settings
from bot.storage import User, credentials, inbox
from bot.storage.models import InboxEvent
from channels.zalo.adapter import ZaloChannel
from tests.chat import fetch_all
from tests.fake_zalo import MODES, Call, FakeZalo

NUMBERED_LINE = re.compile(r"^(\d{1,2})\. (.+)$", re.MULTILINE)


@dataclass
class Running:
    """Our server with the Zalo channel, talking to a fake Zalo."""

    fake: FakeZalo
    engine: Engine
    channel: ZaloChannel
    port: int
    session: aiohttp.ClientSession
    app: web.Application
    env: dict[str, str]

    @property
    def url(self) -> str:
        """Our webhook's address."""
        return f"http://127.0.0.1:{self.port}/zalo/webhook"

    async def post_raw(self, body: bytes, headers: dict[str, str]) -> int:
        """POST bytes to the webhook and wait until what it queued is handled."""
        async with self.session.post(self.url, data=body, headers=headers) as response:
            status = response.status
        await self.channel.idle()
        return status

    async def post(self, event: dict[str, Any], secret: str | None = None) -> int:
        """Post a signed event and wait until our server has handled it."""
        return await self.post_raw(*self.fake.signed(event, secret))

    async def say(self, user: str, text: str) -> list[Call]:
        """The person types `text`; the messages Zalo accepted in answer."""
        before = len(self.fake.sent(user))
        assert await self.post(self.fake.event("user_send_text", user, text=text)) == 200
        return self.fake.sent(user)[before:]

    async def press(self, user: str, action: str) -> list[Call]:
        """The person presses a template button carrying `action`."""
        return await self.say(user, f"#hd:{action}")


def payloads(calls: list[Call]) -> list[str]:
    """The payloads of the query buttons of `calls`."""
    return [
        b["payload"]
        for c in calls
        for b in c.buttons
        if b["type"] in ("oa.query.hide", "oa.query.show")
    ]


def all_text(calls: list[Call]) -> str:
    """The texts of `calls`, one after the other."""
    return "\n".join(c.text or "" for c in calls)


@dataclass
class Citizen:
    """A person on Zalo who reads what arrived and uses whatever it offers: a button when
    there is one, the number of a numbered choice otherwise."""

    zalo: Running
    user: str
    last: list[Call] = field(default_factory=list)

    async def say(self, text: str) -> list[Call]:
        """Type a message."""
        self.last = await self.zalo.say(self.user, text)
        return self.last

    async def choose(self, label_part: str) -> list[Call]:
        """Use the choice whose label contains `label_part`, however it was offered."""
        for call in self.last:
            for button in call.buttons:
                if label_part.lower() in str(button.get("title", "")).lower():
                    assert button["type"] == "oa.query.hide", button
                    return await self.say(str(button["payload"]))
        for number, label in NUMBERED_LINE.findall(self.text):
            if label_part.lower() in label.lower():
                return await self.say(number)
        raise AssertionError(f"nothing offers {label_part!r} in:\n{self.text}")

    @property
    def text(self) -> str:
        """Everything the last answer said."""
        return all_text(self.last)

    def can_call(self, digits: str) -> bool:
        """Whether the last answer gives this number: a call button or written out."""
        calls = [b for c in self.last for b in c.buttons if b["type"] == "oa.open.phone"]
        written = re.sub(r"\D", "", self.text)
        return any(b["payload"]["phone_code"] == digits for b in calls) or digits in written


@asynccontextmanager
async def running(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    mode: str = "accepting",
    buttons: str = "template",
    **extra_env: str,
) -> AsyncIterator[Running]:
    """Our server and a fake Zalo in `mode`, sharing one clock."""
    fake = FakeZalo(mode=mode)
    base = await fake.start()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'zalo.db'}",
        "ZALO_APP_ID": fake.app_id,
        "ZALO_OA_SECRET_KEY": fake.oa_secret_key,
        "ZALO_APP_SECRET": fake.app_secret,
        "ZALO_ACCESS_TOKEN": fake.access_token,
        "ZALO_REFRESH_TOKEN": fake.refresh_token,
        "ZALO_API_BASE_URL": base,
        "ZALO_OAUTH_BASE_URL": base,
        "ZALO_BUTTONS": buttons,
        **extra_env,
    }
    settings = Settings.from_env(env)
    engine = await build_engine(settings, content=content, understander=understander)
    app = await create_app(engine, settings)
    channel = app[DELIVERERS_KEY]["zalo"]
    assert isinstance(channel, ZaloChannel)
    channel.clock = fake.now
    channel.client.backoff = (0.0,)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Running(fake, engine, channel, runner.addresses[0][1], session, app, env)
    finally:
        await runner.cleanup()
        await engine.database.dispose()
        await fake.stop()


EVERY_WAY = [(mode, buttons) for mode in MODES for buttons in ("template", "numbered")]


@pytest.mark.parametrize(("mode", "buttons"), EVERY_WAY)
async def test_a_citizen_gets_a_menu_a_guide_step_and_a_hotline(
    tmp_path: Path, content: Content, understander: Understander, mode: str, buttons: str
) -> None:
    async with running(tmp_path, content, understander, mode, buttons) as zalo:
        me = Citizen(zalo, "8001")
        await me.say("xin chào")
        await me.choose("Sóc Trăng")
        assert "Sóc Trăng" in me.text
        await me.choose("Bluezone")
        await me.choose("Cài Bluezone")
        await me.choose("từng bước")
        await me.choose("Android")
        assert "Bước 1/5" in me.text
        await me.choose("Xong")
        assert "Bước 2/5" in me.text, "the guide moves on"
        await me.say("cho xin so dien thoai ho tro")
        assert me.can_call("02993626800")
        await me.say("2")  # a typed number: a choice when numbered, text otherwise
        assert me.last, "always an answer"
        sent = zalo.fake.sent(me.user)
        assert all(len(c.buttons) <= 4 and len(c.text or "") <= 2000 for c in sent)
        templates = [c for c in sent if c.buttons]
        if mode == "refuses_templates" or buttons == "numbered":
            assert templates == [], "numbered choices only"
        else:
            assert templates, "template buttons were used"


async def test_numbered_choices_map_typed_numbers_and_leave_other_text_alone(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, buttons="numbered") as zalo:
        me = Citizen(zalo, "8002")
        await me.say("xin chào")
        lines = dict(NUMBERED_LINE.findall(me.text))
        assert lines == {"1": "Quảng Ngãi", "2": "Sóc Trăng", "3": "Tỉnh khác"}
        assert "Trả lời bằng một con số để chọn." in me.text
        await me.say("2.")
        assert "Đã lưu: Sóc Trăng" in me.text
        numbers = dict(NUMBERED_LINE.findall(me.text))
        assert numbers["1"] == "📶 Bluezone"
        await me.say("9")  # no choice 9: the core reads it as text
        assert "Bluezone cảnh báo" not in me.text
        await me.say("0299.3626800")  # a phone number is not a choice
        assert "Bluezone cảnh báo" not in me.text
        await me.say("xin chào")  # welcome back, and the main menu
        numbers = dict(NUMBERED_LINE.findall(me.text))
        assert "NCOVI" in numbers["2"]
        await me.say("2")
        assert "Cài NCOVI" in me.text, "numbers follow the latest answer"


async def test_a_refused_template_switches_to_numbers_once_and_loudly(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running(tmp_path, content, understander, mode="refuses_templates") as zalo:
        me = Citizen(zalo, "8003")
        await me.say("xin chào")
        assert "2. Sóc Trăng" in me.text, "the refused message came again, numbered"
        refused = [c for c in zalo.fake.calls if c.method == "send" and c.error == -233]
        assert len(refused) == 1
        await me.choose("Sóc Trăng")
        await me.choose("Bluezone")
        assert [c for c in zalo.fake.calls if c.error == -233] == refused, "not tried again"
        assert zalo.channel.buttons.mode == "numbered"
        loud = [r for r in caplog.records if "refused a message with template" in r.message]
        assert len(loud) == 1 and loud[0].levelname == "ERROR"


async def test_a_refused_quote_is_dropped_and_the_answer_still_goes(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, buttons="numbered") as zalo:
        zalo.fake.fail_next(-201)
        replies = await zalo.say("8018", "xin chào")
        assert replies and "quote_message_id" not in replies[0].body["message"]
        refused = [c for c in zalo.fake.calls if c.method == "send" and not c.ok]
        assert [c.body["message"].get("quote_message_id") is not None for c in refused] == [True]
        replies = await zalo.say("8018", "cai bluezone")
        assert replies and "quote_message_id" not in replies[0].body["message"], "for good"


async def test_one_answer_takes_as_few_messages_as_the_limits_allow(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, buttons="numbered") as zalo:
        replies = await zalo.say("8004", "xin chào")
        assert len(replies) == 1, "the welcome and the province question in one message"
        first = replies[0].body["message"]
        assert first.get("quote_message_id"), "the answer quotes the person's message"
    async with running(tmp_path, content, understander, buttons="template") as zalo:
        replies = await zalo.say("8005", "xin chào")
        assert [len(c.buttons) for c in replies] == [3]


async def test_a_quota_refusal_stops_the_answer_without_retrying(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, mode="quota") as zalo:
        me = Citizen(zalo, "8006")
        await me.say("xin chào")
        # Zalo says this person can get no more now (another agent used the quota): stop.
        zalo.fake.fail_next(-218)
        before = len(zalo.fake.calls)
        await me.say("cai bluezone")
        tries = [c for c in zalo.fake.calls[before:] if c.method == "send"]
        assert [c.error for c in tries] == [-218], "refused once, not retried"
        thread = await zalo.channel.outbox.thread("8006")
        assert thread is not None and thread.replies >= 8, "nothing more for that message"
        await me.say("xin chào")
        assert me.last, "a new message opens a new window"


async def test_an_answer_longer_than_the_quota_ends_with_the_notice(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from channels.zalo import wire

    async with running(tmp_path, content, understander, mode="quota") as zalo:
        await zalo.press("8017", "p:quang-ngai")
        await zalo.press("8017", "g:bluezone.install:ios")
        monkeypatch.setattr(wire, "REPLIES_PER_USER_MESSAGE", 1)
        replies = await zalo.say("8017", "dừng")  # six choices: two messages with templates
        assert len(replies) == 1 and "nhắn lại" in all_text(replies)
        thread = await zalo.channel.outbox.thread("8017")
        assert thread is not None and thread.notified and thread.replies == 1


async def test_signatures_probe_and_crash_safety(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake = zalo.fake
        assert await fake.probe(zalo.url) == 200, "the registration probe is answered"
        assert await fetch_all(zalo.engine.database, select(InboxEvent)) == [], "not processed"
        assert await zalo.post_raw(b"{}", {"X-ZEvent-Signature": "mac=00"}) == 401
        assert await zalo.post_raw(b"", {}) == 401, "an empty unsigned body is no probe"
        forged = fake.event("user_send_text", "8007", text="cai bluezone")
        assert await zalo.post(forged, secret="not-the-secret") == 401
        body, _ = fake.signed(forged)
        assert await zalo.post_raw(body, {}) == 401, "no signature header"
        assert fake.sent("8007") == []
        assert await fetch_all(zalo.engine.database, select(InboxEvent)) == []

        event = fake.event("user_send_text", "8008", text="cai bluezone", msg_id="msg-42")
        assert await zalo.post(event) == 200
        first = len(fake.sent("8008"))
        assert first >= 1
        assert await zalo.post(event) == 200, "a redelivery is acknowledged"
        assert len(fake.sent("8008")) == first, "and handled once"

    # A crash between the acknowledgement and the handling: the event waits in the inbox and
    # is handled when the server starts again.
    async with running(tmp_path, content, understander) as again:
        pending = again.fake.event("user_send_text", "8009", text="otp ko ve", msg_id="m-crash")
    url = f"sqlite:///{tmp_path / 'zalo.db'}"
    engine = await build_engine(
        Settings.from_env({"DATABASE_URL": url}), content=content, understander=understander
    )
    await engine.database.run(inbox.store, "zalo", "m-crash", pending)
    await engine.database.dispose()
    async with running(tmp_path, content, understander) as restarted:
        await restarted.channel.idle()
        (row,) = await fetch_all(
            restarted.engine.database, select(InboxEvent).where(InboxEvent.event_id == "m-crash")
        )
        assert row.done_at is not None


async def test_follow_unfollow_and_other_events(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake = zalo.fake
        await zalo.post(fake.event("follow", "8010"))
        assert fake.sent("8010"), "a follower is welcomed"
        before = len(fake.sent("8010"))
        assert await zalo.post(fake.event("user_send_image", "8010")) == 200
        assert "chỉ đọc được chữ" in all_text(fake.sent("8010")[before:])
        before = len(fake.sent("8010"))
        assert await zalo.post(fake.event("oa_send_text", "8010", text="echo")) == 200
        assert await zalo.post(fake.event("unfollow", "8010")) == 200
        (person,) = await fetch_all(zalo.engine.database, select(User))
        assert person.subscribed is False and person.unreachable_since is not None
        assert len(fake.sent("8010")) == before, "no answer to our own echo, none after unfollow"


async def test_a_menu_with_six_choices_takes_two_messages(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        await zalo.press("8011", "p:quang-ngai")
        await zalo.press("8011", "g:bluezone.install:ios")
        replies = await zalo.say("8011", "dừng")  # leaves a guide to resume: six choices
        assert [len(c.buttons) for c in replies] == [3, 3]
        assert payloads(replies)[0] == "#hd:r"


async def test_expired_token_is_refreshed_once_and_stored(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake = zalo.fake
        fake.expire_access_token(-220)
        replies = await zalo.say("8012", "xin chao")
        assert replies, "sent after the refresh"
        assert len(fake.refreshed()) == 1
        stored = await zalo.engine.database.run(credentials.load, "zalo")
        assert stored == (fake.access_token, fake.refresh_token)


async def test_a_refused_refresh_stops_only_zalo_and_names_the_setting(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake = zalo.fake
        fake.expire_access_token()
        fake.fail_refresh()
        assert await zalo.post(fake.event("user_send_text", "8013", text="xin chao")) == 200
        status = zalo.app[HEALTH_KEY].status("zalo")
        assert status is not None and status.state.value == "stopped"
        assert "ZALO_REFRESH_TOKEN" in status.error
        assert fake.sent("8013") == [], "nothing went, nothing crashed"
        replies = await zalo.say("8013", "cai bluezone")
        assert replies and len(fake.refreshed()) == 1, "the next message refreshes again"
        status = zalo.app[HEALTH_KEY].status("zalo")
        assert status is not None and status.state.value == "up"


async def test_a_new_grant_in_the_settings_replaces_a_refused_stored_one(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        await zalo.engine.database.run(credentials.replace, "zalo", "refresh-1", "old", "gone")
        zalo.channel.client._token = "old"
        replies = await zalo.say("8014", "xin chao")
        assert replies, "the stored refresh token was refused; ZALO_REFRESH_TOKEN worked"
        stored = await zalo.engine.database.run(credentials.load, "zalo")
        assert stored == (zalo.fake.access_token, zalo.fake.refresh_token)


async def test_rate_limit_is_retried_and_a_closed_window_is_not(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo:
        fake = zalo.fake
        fake.fail_next(-32)
        assert await zalo.say("8015", "xin chao"), "sent after backing off"
        fake.fail_next(-230)
        assert await zalo.post(fake.event("user_send_text", "8016", text="xin chao")) == 200
        attempts = [c for c in fake.calls if c.method == "send" and c.user_id == "8016"]
        assert len(attempts) == 1, "outside the window: not retried"
        people = {p.external_id: p for p in await fetch_all(zalo.engine.database, select(User))}
        assert people["8016"].unreachable_since is None, "still a follower: they can write"


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"ZALO_APP_ID": "123"}, "ZALO_OA_SECRET_KEY"),
        ({"ZALO_APP_ID": "abc", "ZALO_OA_SECRET_KEY": "x"}, "ZALO_APP_ID"),
        (
            {"ZALO_APP_ID": "1", "ZALO_OA_SECRET_KEY": "x", "ZALO_API_BASE_URL": "http://evil"},
            "ZALO_API_BASE_URL",
        ),
        ({"ZALO_APP_ID": "1", "ZALO_OA_SECRET_KEY": "x", "ZALO_BUTTONS": "both"}, "ZALO_BUTTONS"),
        (
            {"ZALO_APP_ID": "1", "ZALO_OA_SECRET_KEY": "x", "ZALO_EVENT_MAX_AGE_SECONDS": "1e9"},
            "ZALO_EVENT_MAX_AGE_SECONDS",
        ),
        (
            {"ZALO_APP_ID": "1", "ZALO_OA_SECRET_KEY": "x", "ZALO_WEBHOOK_URL": "http://x"},
            "ZALO_WEBHOOK_URL",
        ),
    ],
)
def test_wrong_zalo_settings_name_themselves(env: dict[str, str], name: str) -> None:
    from bot.settings import SettingsError
    from channels.zalo.config import ZaloSettings

    with pytest.raises(SettingsError, match=name):
        ZaloSettings.from_env(env)


def test_numbered_is_the_default() -> None:
    from channels.zalo.config import ZaloSettings

    settings = ZaloSettings.from_env({"ZALO_APP_ID": "1", "ZALO_OA_SECRET_KEY": "x"})
    assert settings is not None and settings.buttons == "numbered"
    assert settings.event_max_age == 600
