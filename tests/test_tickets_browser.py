"""Live support on the web chat page, in headless Chromium: the operator's answer appears by
itself as a message from a person (server-sent events, or polling where the browser has no
EventSource), and the end of the chat asks whether the problem was solved."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from bot.app import build_engine
from bot.content import Content
from bot.engine import Engine
from bot.matcher import Understander
from bot.server import create_app
from bot.settings import Settings
from bot.tickets.keys import SUPPORT_KEY
from bot.tickets.service import LiveSupport
from tests.test_web_browser import Phone, browser, new_phone  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
async def staffed(
    tmp_path: Path, content: Content, understander: Understander
) -> AsyncIterator[tuple[str, LiveSupport]]:
    """The real app with live support on (answered from the admin pages), staff at work."""
    from aiohttp import web

    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}",
            "LIVE_SUPPORT": "on",
            "SUPPORT_HOURS": "always",
        }
    )
    engine: Engine = await build_engine(settings, content=content, understander=understander)
    app = await create_app(engine, settings)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", app[SUPPORT_KEY]
    finally:
        await runner.cleanup()
        await engine.database.dispose()


async def hand_over(phone: Phone) -> None:
    await phone.choose_soc_trang()
    await phone.say("cho tôi số hỗ trợ")
    await phone.tap(re.compile("💬"))
    await expect(phone.bot.last.get_by_role("button", name=re.compile("✖"))).to_be_visible()


@pytest.mark.parametrize("events", ["sse", "polling"])
async def test_the_answer_arrives_by_itself_from_a_named_person(
    browser: Browser,  # noqa: F811 (the fixture)
    staffed: tuple[str, LiveSupport],
    events: str,
) -> None:
    url, support = staffed
    async with new_phone(browser, url) as phone:
        asked: list[str] = []
        phone.page.on(
            "request",
            lambda r: asked.append(r.headers.get("accept", "")) if "/api/events" in r.url else None,
        )
        if events == "polling":
            await phone.page.add_init_script("delete window.EventSource;")
        await hand_over(phone)
        await phone.say("mã OTP không về")
        assert await support.reply(1, "Lan", "Bạn kiểm tra sóng điện thoại nhé") == "done"
        person = phone.page.locator("#log .msg--person")
        # The page polls every 5 s; a stream brings the answer sooner than a poll could.
        polled = 15_000 if events == "polling" else 4_000
        await expect(person).to_contain_text("Bạn kiểm tra sóng điện thoại nhé", timeout=polled)
        await expect(person).to_contain_text("Lan")
        assert await support.close(1, "Lan") == "done"
        solved = phone.bot.last.get_by_role("button", name=re.compile("👍"))
        await expect(solved).to_be_visible(timeout=polled)
        await phone.turn(solved.click)
        streamed = [accept for accept in asked if "text/event-stream" in accept]
        assert bool(streamed) is (events == "sse"), asked
        await expect(person).to_have_count(1)
        await phone.reload()
        await expect(phone.page.locator("#log .msg--person")).to_have_count(0)
        phone.assert_healthy()
