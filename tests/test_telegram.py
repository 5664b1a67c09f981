"""Telegram end to end: python-telegram-bot for real, against the local fake Bot API server,
through our real aiohttp server, in polling and in webhook mode."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Collection
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
from bot.health import ChannelHealth, ChannelState, ChannelStatus
from bot.matcher import Understander
from bot.server import DELIVERERS_KEY, HEALTH_KEY, create_app
from bot.settings import Settings
from bot.storage import User
from tests.chat import fetch_all
from tests.fake_telegram import Call, FakeBotAPI

SECRET = "s3cret_webhook-TOKEN-of-32-chars-at-least"
TOKEN = "123456789:AAHfake-token_for-the-test-suite01"
TINY_BACKOFF = (0.01,)
Check = Callable[[list[Call]], bool]


class HealthWatch:
    """Wakes up whoever waits for a channel's state each time a state is recorded."""

    def __init__(self, health: ChannelHealth) -> None:
        self.health = health
        self._changed = asyncio.Event()
        record = health.set

        def set_and_tell(channel: str, state: ChannelState, error: str = "") -> None:
            record(channel, state, error)
            self._changed.set()

        health.set = set_and_tell  # type: ignore[method-assign]

    async def wait_for(
        self, channel: str, states: Collection[ChannelState], timeout: float = 10.0
    ) -> ChannelStatus:
        """The channel's status once it is in one of `states` (AssertionError after timeout)."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    status = self.health.status(channel)
                    if status is not None and status.state in states:
                        return status
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(
                f"{channel} never became {[s.value for s in states]}: {self.health.status(channel)}"
            ) from None


def watch(app: web.Application) -> HealthWatch:
    """Prepare an app that is not started yet: tiny retry delays, a watch on its health."""
    channel = app[DELIVERERS_KEY].get("telegram")
    if channel is not None:
        channel.connection.backoff = TINY_BACKOFF
    return HealthWatch(app[HEALTH_KEY])


@dataclass
class Running:
    """Our server, started against the fake."""

    fake: FakeBotAPI
    engine: Engine
    port: int
    webhook: bool
    app: web.Application
    health: HealthWatch
    fake_port: int = 0
    session: aiohttp.ClientSession | None = None
    marks: dict[int, int] = field(default_factory=dict)

    @property
    def channel(self) -> Any:
        """Our TelegramChannel."""
        return self.app[DELIVERERS_KEY]["telegram"]

    async def bring_fake_up(self) -> None:
        """Start the fake Bot API on the port the bot was told about (it was down)."""
        await self.fake.start(self.fake_port)

    async def healthz(self) -> dict[str, Any]:
        """What `GET /healthz` says (it must answer 200)."""
        assert self.session is not None
        async with self.session.get(f"http://127.0.0.1:{self.port}/healthz") as response:
            assert response.status == 200
            answer: dict[str, Any] = await response.json()
            return answer

    async def web_chat(self, text: str) -> list[dict[str, Any]]:
        """Say something on the web chat; its replies (it must answer 200)."""
        assert self.session is not None
        async with self.session.post(
            f"http://127.0.0.1:{self.port}/api/chat",
            json={"session": "web-visitor-0001", "text": text},
        ) as response:
            assert response.status == 200, await response.text()
            replies: list[dict[str, Any]] = (await response.json())["replies"]
            return replies

    async def post_update(
        self, update: Any, secret: str | None = SECRET, sender: str | None = None
    ) -> int:
        """Deliver an update to our webhook route; the answer comes once it is stored.
        `sender`: the client address a proxy in front of us would report."""
        status, _headers = await self.post_body(json.dumps(update).encode(), secret, sender)
        return status

    async def post_body(
        self, body: bytes, secret: str | None = SECRET, sender: str | None = None
    ) -> tuple[int, dict[str, str]]:
        """POST raw bytes to the webhook route: the status and the headers of the answer."""
        assert self.session is not None
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        if sender is not None:
            headers["X-Forwarded-For"] = f"10.9.8.7, {sender}"  # the proxy added the last one
        async with self.session.post(
            f"http://127.0.0.1:{self.port}/telegram/webhook",
            data=body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=10),  # a webhook that waits is a failure
        ) as response:
            return response.status, dict(response.headers)

    async def deliver(self, update: dict[str, Any], chat: int, until: Check) -> list[Call]:
        """Deliver an update the way the mode does, and wait for the replies it causes."""
        self.marks[chat] = len(self.fake.sent(chat))
        if self.webhook:
            assert await self.post_update(update) == 200
        else:
            self.fake.push_update(update)
        await self.fake.wait_for(lambda _calls: until(self.new(chat)))
        return self.new(chat)

    def new(self, chat: int) -> list[Call]:
        """What the bot sent to `chat` since the last delivery."""
        return self.fake.sent(chat)[self.marks.get(chat, 0) :]


def actions(calls: list[Call]) -> list[str]:
    return [
        button["callback_data"]
        for call in calls
        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    ]


def texts(calls: list[Call]) -> str:
    return "\n".join(str(c.params.get("text", "")) for c in calls)


def button(prefix: str) -> Check:
    return lambda calls: any(a.startswith(prefix) for a in actions(calls))


def text(part: str) -> Check:
    return lambda calls: part in texts(calls)


def contact(phone: str) -> Check:
    return lambda calls: any(
        c.method == "sendContact" and c.params["phone_number"] == phone for c in calls
    )


@asynccontextmanager
async def running(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    webhook: bool = False,
    fake: FakeBotAPI | None = None,
    extra_env: dict[str, str] | None = None,
    secret: str | None = SECRET,
    reachable: bool = True,
    token: str = TOKEN,
    prepare: Callable[[Engine], None] | None = None,
) -> AsyncIterator[Running]:
    """Our server against a fake Bot API, Telegram up. With `reachable` False the fake is not
    listening yet (`bring_fake_up` starts it) and Telegram is retrying. `prepare` gets the
    engine before the server starts (to watch what it handles)."""
    fake = fake or FakeBotAPI(token=token)
    fake_port = 0
    if reachable:
        base_url = await fake.start()
    else:
        fake_port = FakeBotAPI.unused_port()
        base_url = f"http://127.0.0.1:{fake_port}/bot"
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'telegram.db'}",
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": base_url,
        # The tests drive the sender themselves; serve's own round comes only at start.
        "BROADCAST_INTERVAL_SECONDS": "3600",
        # Sent at any hour of the day the tests run (quiet hours have their own test).
        "BROADCAST_QUIET_HOURS": "none",
        "ADMIN_TELEGRAM_IDS": "9000",
    }
    if webhook:
        env["TELEGRAM_WEBHOOK_URL"] = "http://127.0.0.1/telegram/webhook"
        if secret is not None:
            env["TELEGRAM_WEBHOOK_SECRET"] = secret
    settings = Settings.from_env(env | (extra_env or {}))
    engine = await build_engine(settings, content=content, understander=understander)
    if prepare is not None:
        prepare(engine)
    app = await create_app(engine, settings)
    assert "telegram" in app[DELIVERERS_KEY]
    health = watch(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state = Running(fake, engine, port, webhook, app, health, fake_port)
    try:
        expected = ChannelState.UP if reachable else ChannelState.RETRYING
        status = await health.wait_for("telegram", {expected, ChannelState.STOPPED})
        assert status.state is expected or token != fake.token, status
        async with aiohttp.ClientSession() as session:
            state.session = session
            yield state
    finally:
        await runner.cleanup()
        await engine.database.dispose()
        await fake.stop()


async def scripted_conversation(bot: Running, content: Content) -> None:
    """The conversation of the issue, as a person in a private chat would have it."""
    fake, me = bot.fake, 1001
    replies = await bot.deliver(fake.text_update("/start", me), me, button("p:soc-trang"))
    assert all(c.params.get("parse_mode") == "HTML" for c in replies if c.method == "sendMessage")

    await bot.deliver(fake.callback_update("p:soc-trang", me), me, button("m:bluezone"))
    replies = await bot.deliver(
        fake.text_update("cai bluezone tren dt android ntn", me), me, button("g:")
    )
    assert "g:bluezone.install:android" in actions(replies)

    guide = content.guide("bluezone.install")
    assert guide is not None
    android = guide.branch("android")
    assert android is not None
    await bot.deliver(fake.callback_update("g:bluezone.install:android", me), me, button("s:"))
    for step in android.steps:
        done = f"s:bluezone.install:android:{step.id}:ok"
        expected = "w:" if step is android.steps[-1] else "s:"
        await bot.deliver(fake.callback_update(done, me), me, button(expected))
    assert guide.done is not None
    replies = await bot.deliver(
        fake.callback_update("w:bluezone.install:yes", me), me, button("t:")
    )
    assert guide.done.get("vi").split(".")[0] in texts(replies)

    replies = await bot.deliver(
        fake.text_update("cho toi so ho tro", me), me, contact("02993626800")
    )
    assert "0299.3626800" in texts(replies)

    # A button from an old message: a friendly "out of date" and the menu, never an error.
    replies = await bot.deliver(
        fake.callback_update("s:bluezone.install:android:store:ok", me), me, button("m:")
    )
    assert fake.unanswered_callbacks() == []


async def test_polling_conversation(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as bot:
        assert bot.fake.webhook is None
        await scripted_conversation(bot, content)
        assert {"vi", "en", None} <= set(bot.fake.commands)
        names = [c["command"] for c in bot.fake.commands["vi"]]
        assert names == ["start", "menu", "hotline", "lang", "stop", "xoadulieu"]
        descriptions = {c["description"] for c in bot.fake.commands["vi"]}
        assert "Tắt nhắc nhở" in descriptions


async def test_webhook_conversation_and_secret(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, webhook=True) as bot:
        assert bot.fake.webhook is not None
        assert bot.fake.webhook["secret_token"] == SECRET
        # Wrong or missing secret: refused, nothing processed.
        intruder = bot.fake.text_update("/start", 777)
        assert await bot.post_update(intruder, secret="wrong") == 403
        assert await bot.post_update(intruder, secret=None) == 403
        assert bot.fake.sent(777) == []
        assert await fetch_all(bot.engine.database, select(User)) == []
        await scripted_conversation(bot, content)
        # Malformed bodies are refused as well.
        assert bot.session is not None
        async with bot.session.post(
            f"http://127.0.0.1:{bot.port}/telegram/webhook",
            data=b"{not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        ) as response:
            assert response.status == 400


async def test_deep_links_inline_groups_and_other_updates(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as bot:
        fake = bot.fake
        # Deep link into a guide.
        replies = await bot.deliver(
            fake.text_update("/start guide_qr-register_place", 2002), 2002, button("s:")
        )
        assert "Bước 1/" in texts(replies)
        # Deep link with a referral code: recorded, then the normal greeting.
        await bot.deliver(fake.text_update("/start ref_doanthanhnien-7", 2003), 2003, button("p:"))
        # Inline mode for volunteers.
        fake.push_update(fake.inline_query_update("cai bluezone"))
        (answer,) = await fake.wait_calls("answerInlineQuery", 1)
        results = answer.params["results"]
        assert answer.ok and 1 <= len(results) <= 50
        urls = [row[0]["url"] for r in results for row in r["reply_markup"]["inline_keyboard"]]
        assert f"https://t.me/{fake.username}?start=guide_bluezone-install" in urls
        # A group: a message without a mention is not answered, a mention is.
        group = -5005
        fake.push_update(fake.text_update("cai bluezone the nao", group, 11, chat_type="group"))
        replies = await bot.deliver(
            fake.text_update(
                f"@{fake.username} cai bluezone the nao", group, 11, chat_type="group"
            ),
            group,
            button("g:"),
        )
        assert len([c for c in fake.sent(group) if c.method == "sendMessage"]) == len(
            [c for c in replies if c.method == "sendMessage"]
        ), "only the mention was answered"
        assert replies[0].params["reply_parameters"]["message_id"] > 0, "replies to the mention"
        # A photo in a private chat: asked to type; a sticker too.
        replies = await bot.deliver(fake.photo_update(3003), 3003, text("chỉ đọc được chữ"))
        replies = await bot.deliver(fake.sticker_update(3003), 3003, text("chỉ đọc được chữ"))
        # An edited message is ignored: the next message is answered, the edit never was.
        fake.push_update(fake.edited_text_update("cai bluezone", 3003))
        await bot.deliver(fake.text_update("xin chao", 3003), 3003, button("p:"))
        assert "CH Play" not in texts(fake.sent(3003)), "the edit was not answered"


async def test_rate_limits_errors_and_blocked_people(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as bot:
        fake = bot.fake
        # 429: the bot waits retry_after and sends again; 502: retried with backoff.
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        fake.fail_next("sendMessage", 502, "Bad Gateway")
        await bot.deliver(fake.text_update("/start", 4004), 4004, button("p:"))
        failed = [c for c in fake.calls if c.method == "sendMessage" and c.status in (429, 502)]
        assert len(failed) == 2
        # A person who blocked the bot: marked unreachable, nothing else is tried for them.
        fake.blocked_chats.add(4005)
        fake.push_update(fake.text_update("/start", 4005))
        await fake.wait_for(
            lambda calls: any(
                c.method == "sendMessage" and c.status == 403 and c.params["chat_id"] == 4005
                for c in calls
            )
        )
        await bot.deliver(fake.text_update("/start", 4006), 4006, button("p:"))
        people = {u.external_id: u for u in await fetch_all(bot.engine.database, select(User))}
        assert people["4005"].unreachable_since is not None
        assert people["4006"].unreachable_since is None
        blocked_sends = [
            c for c in fake.calls if c.method == "sendMessage" and c.params["chat_id"] == 4005
        ]
        assert len(blocked_sends) == 1, "no retries towards a person who blocked the bot"


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"TELEGRAM_BOT_TOKEN": "nonsense"}, "TELEGRAM_BOT_TOKEN"),
        (
            {
                "TELEGRAM_BOT_TOKEN": "123456:ABCdefGHIjklMNOpqrSTUvwx",
                "TELEGRAM_WEBHOOK_URL": "https://x.example/telegram/webhook",
                "TELEGRAM_WEBHOOK_SECRET": "a",
            },
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": "123456:ABCdefGHIjklMNOpqrSTUvwx",
                "TELEGRAM_WEBHOOK_SECRET": "0" * 31,
            },
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": "123456:ABCdefGHIjklMNOpqrSTUvwx",
                "TELEGRAM_WEBHOOK_SECRET": "x" * 31 + "!",
            },
            "TELEGRAM_WEBHOOK_SECRET",
        ),
    ],
)
def test_wrong_telegram_settings_name_themselves(env: dict[str, str], name: str) -> None:
    from bot.settings import SettingsError
    from channels.telegram.config import TelegramSettings

    with pytest.raises(SettingsError, match=name):
        TelegramSettings.from_env(env)


async def test_a_broadcast_reaches_soc_trang_only(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    import datetime as dt

    from bot.broadcasts import store
    from bot.broadcasts.segments import Segment
    from bot.server import SENDER_KEY

    async with running(tmp_path, content, understander) as bot:
        fake = bot.fake
        for chat, province in ((5001, "soc-trang"), (5002, "soc-trang"), (5003, "quang-ngai")):
            await bot.deliver(fake.text_update("/start", chat), chat, button("p:"))
            await bot.deliver(fake.callback_update(f"p:{province}", chat), chat, button("m:"))
        fake.blocked_chats.add(5002)
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        now = dt.datetime.now(dt.UTC)
        identifier = await bot.engine.database.run(
            store.create,
            {"vi": "Nhắc người dân {{ province }}: hãy kích hoạt lại Bluezone"},
            Segment(province="soc-trang"),
            now,
        )
        sender = bot.app[SENDER_KEY]
        sender.clock = lambda: now
        await sender.run_until_idle()  # 5001 gets a 429, 5002 blocked the bot
        assert "Nhắc người dân" not in texts(fake.sent(5001))
        sender.clock = lambda: now + dt.timedelta(minutes=5)  # after retry_after and backoff
        await sender.run_until_idle()
        assert "Nhắc người dân Sóc Trăng" in texts(fake.sent(5001))
        assert "Nhắc người dân" not in texts(fake.sent(5003)), "not Quảng Ngãi"
        status = await bot.engine.database.run(store.report, identifier)
        assert status is not None
        assert (status["sent"], status["skipped"], status["pending"]) == (1, 1, 0)
        assert status["reasons"] == {"blocked": 1}
        people = {u.external_id: u for u in await fetch_all(bot.engine.database, select(User))}
        assert people["5002"].unreachable_since is not None


async def test_an_admin_sends_a_reminder_to_soc_trang_and_watches_it(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    from bot.server import SENDER_KEY

    async with running(tmp_path, content, understander) as bot:
        fake, admin = bot.fake, 9000
        for chat, province in ((6001, "soc-trang"), (6002, "soc-trang"), (6003, "quang-ngai")):
            await bot.deliver(fake.text_update("/start", chat), chat, button("p:"))
            await bot.deliver(fake.callback_update(f"p:{province}", chat), chat, button("m:"))
        await bot.deliver(fake.text_update("/start", admin), admin, button("p:"))
        await bot.deliver(fake.text_update("/broadcast", admin), admin, button("bc:cancel"))
        await bot.deliver(
            fake.text_update("Nhắc {{ province }}: hãy mở Bluezone mỗi ngày", admin),
            admin,
            button("bc:to:"),
        )
        preview = await bot.deliver(
            fake.callback_update("bc:to:soc-trang", admin), admin, button("bc:send")
        )
        assert "Nhắc Sóc Trăng" in texts(preview) and "2 người" in texts(preview)
        await bot.deliver(fake.callback_update("bc:send", admin), admin, button("bc:list"))
        await bot.app[SENDER_KEY].run_until_idle()
        # The progress message was posted in the admin's chat, then edited as it went.
        calls = fake.sent(admin)
        posted = [c for c in calls if c.method == "sendMessage" and "📣" in c.params["text"]]
        edits = [c for c in calls if c.method == "editMessageText"]
        assert len(posted) == 1 and edits, "one progress message, edited"
        assert {str(e.params["message_id"]) for e in edits} == {str(posted[0].result["message_id"])}
        final = edits[-1].params["text"]
        assert "100%" in final and "xong" in final and "2 đã gửi" in final
        assert "Nhắc Sóc Trăng: hãy mở Bluezone mỗi ngày" in texts(fake.sent(6001))
        assert "Nhắc Sóc Trăng: hãy mở Bluezone mỗi ngày" in texts(fake.sent(6002))
        assert "hãy mở Bluezone" not in texts(fake.sent(6003))
        progress = await bot.deliver(fake.callback_update("bc:list", admin), admin, button("bc:"))
        assert "2 đã gửi" in texts(progress)
        assert fake.unanswered_callbacks() == []


async def test_broadcast_parts_to_one_chat_are_a_second_apart_and_paid_when_asked(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    import datetime as dt

    from bot.broadcasts import store
    from bot.broadcasts.segments import Segment
    from bot.server import SENDER_KEY

    paid = {"TELEGRAM_PAID_BROADCAST": "1"}
    async with running(tmp_path, content, understander, extra_env=paid) as bot:
        fake = bot.fake
        await bot.deliver(fake.text_update("/start", 5101), 5101, button("p:"))
        now = dt.datetime.now(dt.UTC)
        long_text = "Nhắc " + "x " * 2500  # over Telegram's 4,096 characters: two messages
        await bot.engine.database.run(store.create, {"vi": long_text}, Segment(), now)
        await bot.app[SENDER_KEY].run_until_idle()
        parts = [
            c for c in fake.sent(5101) if c.method == "sendMessage" and "x x" in c.params["text"]
        ]
        assert len(parts) == 2
        assert all(c.params.get("allow_paid_broadcast") is True for c in parts)
        assert parts[1].at - parts[0].at >= 0.99, "one message per chat per second"
