"""Our whole server with live support on: the Telegram channel (with the operators' group)
against the fake Bot API, the Zalo channel against the fake Zalo, and the web chat; citizens
and operators as the tests play them."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import build_engine
from bot.content import Content
from bot.engine import Engine
from bot.health import ChannelState
from bot.matcher import Understander
from bot.server import DELIVERERS_KEY, create_app
from bot.settings import Settings
from bot.tickets.keys import SUPPORT_KEY
from bot.tickets.service import LiveSupport
from tests import fake_telegram, fake_zalo
from tests.test_telegram import TOKEN, watch

GROUP = -1001234567890  # the operators' supergroup
OPERATOR = 5001  # a member of it ("User 5001" to Telegram)
STRANGER = 6666  # writes in the group without being a member
NUMBERED = re.compile(r"^(\d{1,2})\. (.+)$", re.MULTILINE)
TgCheck = Callable[[list[fake_telegram.Call]], bool]


def buttons(call: fake_telegram.Call) -> list[str]:
    """The callback data of a Telegram message's keyboard."""
    markup = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Live:
    """The running server and its fakes."""

    telegram: fake_telegram.FakeBotAPI
    zalo: fake_zalo.FakeZalo
    engine: Engine
    app: web.Application
    port: int
    session: aiohttp.ClientSession
    marks: dict[object, int] = field(default_factory=dict)

    @property
    def support(self) -> LiveSupport:
        """The server's live support service."""
        return self.app[SUPPORT_KEY]

    @property
    def url(self) -> str:
        """Our server's address."""
        return f"http://127.0.0.1:{self.port}"

    # --- the operators' group ------------------------------------------------------------

    def group_posts(self) -> list[fake_telegram.Call]:
        """What the bot posted in the operators' group (sendMessage), in order."""
        return [c for c in self.telegram.sent(GROUP) if c.method == "sendMessage"]

    async def wait_group(
        self, check: Callable[[list[fake_telegram.Call]], bool], timeout: float = 10.0
    ) -> None:
        """Wait until the group's posts satisfy `check`."""
        await self.telegram.wait_for(lambda _calls: check(self.group_posts()), timeout)

    async def ticket_post(self) -> fake_telegram.Call:
        """The newest ticket announcement in the group (once there is one)."""
        await self.wait_group(lambda posts: any(buttons(p) for p in posts))
        return [p for p in self.group_posts() if buttons(p)][-1]

    def operator_says(self, text: str, reply_to: int, user: int = OPERATOR) -> None:
        """A member (or not) replies in the group to the bot's message `reply_to`."""
        fake = self.telegram
        update = fake.text_update(text, chat_id=GROUP, user_id=user, chat_type="supergroup")
        replied = fake.message(GROUP, reply_to)
        assert replied is not None
        replied.pop("reply_to_message", None)
        update["message"]["reply_to_message"] = replied
        fake.push_update(update)

    def operator_presses(self, data: str, message_id: int, user: int = OPERATOR) -> None:
        """A button on a message in the group."""
        fake = self.telegram
        fake.push_update(fake.callback_update(data, GROUP, message_id, user_id=user))

    # --- a citizen on Telegram -----------------------------------------------------------

    async def tg(self, update: dict[str, Any], chat: int, until: TgCheck) -> list[Any]:
        """A citizen's update; what the bot sent them since (once `until` holds)."""
        self.marks[chat] = len(self.telegram.sent(chat))
        self.telegram.push_update(update)
        await self.telegram.wait_for(lambda _: until(self.telegram.sent(chat)[self.marks[chat] :]))
        return self.telegram.sent(chat)[self.marks[chat] :]

    # --- a citizen on Zalo ---------------------------------------------------------------

    async def zalo_says(self, user: str, text: str) -> list[fake_zalo.Call]:
        """A Zalo follower types `text`; what Zalo accepted in answer."""
        before = len(self.zalo.sent(user))
        body, headers = self.zalo.signed(self.zalo.event("user_send_text", user, text=text))
        async with self.session.post(f"{self.url}/zalo/webhook", data=body, headers=headers) as r:
            assert r.status == 200
        await self.app[DELIVERERS_KEY]["zalo"].idle()
        return self.zalo.sent(user)[before:]

    async def zalo_chooses(self, user: str, answer: list[fake_zalo.Call], part: str) -> Any:
        """Type the number of the numbered choice whose label contains `part`."""
        text = "\n".join(c.text or "" for c in answer)
        for number, label in NUMBERED.findall(text):
            if part.lower() in label.lower():
                return await self.zalo_says(user, number)
        raise AssertionError(f"no choice {part!r} in:\n{text}")

    # --- a citizen on the web chat -------------------------------------------------------

    async def web(self, session: str, **fields: Any) -> list[dict[str, Any]]:
        """One turn of the web chat; its replies."""
        body = {"session": session, **fields}
        async with self.session.post(f"{self.url}/api/chat", json=body) as response:
            assert response.status == 200, await response.text()
            replies: list[dict[str, Any]] = (await response.json())["replies"]
            return replies

    async def poll(self, session: str, after: int = 0) -> dict[str, Any]:
        """The polling fallback of the web chat's live answers."""
        address = f"{self.url}/api/events?session={session}&after={after}"
        async with self.session.get(address, headers={"Accept": "application/json"}) as response:
            assert response.status == 200
            answer: dict[str, Any] = await response.json()
            return answer


def zalo_env(fake: fake_zalo.FakeZalo, base: str) -> dict[str, str]:
    """The Zalo channel's settings, pointing at the fake."""
    return {
        "ZALO_APP_ID": fake.app_id,
        "ZALO_OA_SECRET_KEY": fake.oa_secret_key,
        "ZALO_APP_SECRET": fake.app_secret,
        "ZALO_ACCESS_TOKEN": fake.access_token,
        "ZALO_REFRESH_TOKEN": fake.refresh_token,
        "ZALO_API_BASE_URL": base,
        "ZALO_OAUTH_BASE_URL": base,
    }


@asynccontextmanager
async def live_server(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    telegram_up: bool = True,
    telegram: fake_telegram.FakeBotAPI | None = None,
) -> AsyncIterator[Live]:
    """The server with every channel and the operators' group; staff always at work."""
    tg = telegram or fake_telegram.FakeBotAPI(token=TOKEN)
    tg.members[GROUP] = {OPERATOR: "member"}
    tg.add_chat(GROUP, "supergroup", title="Operators")
    port = fake_telegram.FakeBotAPI.unused_port()
    tg_base = await tg.start(port) if telegram_up else f"http://127.0.0.1:{port}/bot"
    zalo = fake_zalo.FakeZalo()
    zalo_base = await zalo.start()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": tg_base,
        "OPERATOR_TELEGRAM_CHAT_ID": str(GROUP),
        "SUPPORT_HOURS": "always",
        "BROADCAST_INTERVAL_SECONDS": "3600",
        **zalo_env(zalo, zalo_base),
    }
    settings = Settings.from_env(env)
    engine = await build_engine(settings, content=content, understander=understander)
    app = await create_app(engine, settings)
    zalo_channel = app[DELIVERERS_KEY]["zalo"]
    zalo_channel.clock = zalo.now
    zalo_channel.client.backoff = (0.0,)
    health = watch(app)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        wanted = ChannelState.UP if telegram_up else ChannelState.RETRYING
        await health.wait_for("telegram", {wanted})
        async with aiohttp.ClientSession() as session:
            yield Live(tg, zalo, engine, app, runner.addresses[0][1], session)
    finally:
        await runner.cleanup()
        await engine.database.dispose()
        await tg.stop()
        await zalo.stop()


async def read_events(response: aiohttp.ClientResponse, count: int) -> list[dict[str, Any]]:
    """Read server-sent events until `count` named events came (the caller bounds the time)."""
    found: list[dict[str, Any]] = []
    event: dict[str, Any] = {}
    while len(found) < count:
        raw = await response.content.readline()
        if not raw:
            raise AssertionError(f"the stream ended after {found}")
        line = raw.decode().rstrip("\n")
        if not line:
            if "event" in event:
                found.append(event)
            event = {}
            continue
        name, _, value = line.partition(": ")
        if name in ("id", "event"):
            event[name] = value
        elif name == "data":
            event["data"] = json.loads(value)
    return found
