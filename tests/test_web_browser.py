"""The web chat page driven in headless Chromium (Debian's package) through Playwright."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Error,
    Locator,
    Page,
    Response,
    async_playwright,
    expect,
)

from bot.engine import Engine
from bot.server import create_app
from bot.settings import Settings

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WIDTH, HEIGHT = 360, 640
SESSION_KEY = "helpdesk-session"
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def require_chromium() -> None:
    """Skip without Debian's chromium, except on CI, where the browser tests must run."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing on CI; install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} not found (apt-get install chromium to run the browser tests)")


@pytest.fixture
async def base_url(engine: Engine, settings: Settings) -> AsyncIterator[str]:
    """The real app served on a free TCP port of 127.0.0.1."""
    runner = web.AppRunner(await create_app(engine, settings))
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium from /usr/bin/chromium."""
    require_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Phone:
    """A 360x640 phone with a Vietnamese browser, and what went wrong in the page."""

    page: Page
    url: str
    errors: list[str] = field(default_factory=list)

    @property
    def log(self) -> Locator:
        return self.page.locator("#log")

    @property
    def bot(self) -> Locator:
        return self.page.locator("#log .msg--bot")

    async def turn(self, act: Callable[[], Awaitable[Any]]) -> None:
        """Do something that posts to /api/chat; wait for the answer to be shown."""
        async with self.page.expect_response(
            lambda r: r.url.endswith("/api/chat") and r.request.method == "POST"
        ) as info:
            await act()
        response = await info.value
        assert response.status == 200, await response.text()
        # The page leaves its busy state only after drawing every reply.
        await expect(self.page.locator("#send")).to_be_enabled()

    async def open(self) -> None:
        """Load the page; it sends /start by itself."""
        await self.turn(lambda: self.page.goto(self.url + "/"))

    async def reload(self) -> None:
        await self.turn(lambda: self.page.reload())

    async def say(self, text: str) -> None:
        """Type into the box and press Enter."""
        box = self.page.locator("#text")
        await box.fill(text)
        await self.turn(lambda: box.press("Enter"))
        await expect(box).to_have_value("")

    async def tap(self, label: str) -> None:
        """Press the button with this label in the newest bot message."""
        button = self.bot.last.get_by_role("button", name=label)
        await expect(button).to_be_enabled()
        await self.turn(button.click)

    async def choose_soc_trang(self) -> None:
        await self.open()
        await expect(self.bot.first).to_contain_text("Xin chào")
        await self.tap("Sóc Trăng")
        await expect(self.bot.last).to_contain_text("Sóc Trăng")

    def assert_healthy(self) -> None:
        assert not self.errors, self.errors


@pytest.fixture
async def phone(browser: Browser, base_url: str) -> AsyncIterator[Phone]:
    context = await browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="vi-VN")
    page = await context.new_page()
    page.set_default_timeout(15_000)
    found = Phone(page=page, url=base_url)

    def on_console(message: ConsoleMessage) -> None:
        # Failed loads are checked by URL below (the browser asks for a favicon we lack).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            found.errors.append(f"console: {message.text}")

    def on_page_error(error: Error) -> None:
        found.errors.append(f"page error: {error}")

    def on_response(response: Response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            found.errors.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("response", on_response)
    try:
        yield found
    finally:
        await context.close()


async def test_welcome_province_question_and_a_guide_step_by_step(phone: Phone) -> None:
    page = phone.page
    await phone.open()
    await expect(page.locator("html")).to_have_attribute("lang", "vi")
    await expect(phone.bot.first).to_contain_text("Xin chào")
    for label in ("Quảng Ngãi", "Sóc Trăng", "Tỉnh khác"):
        await expect(phone.bot.last.get_by_role("button", name=label)).to_be_visible()

    await phone.tap("Sóc Trăng")
    await expect(page.locator("#log .msg--me").last).to_have_text("Sóc Trăng")
    await expect(phone.bot.last).to_contain_text("Sóc Trăng")
    # Buttons of answered questions are switched off.
    await expect(page.locator("#log").get_by_role("button", name="Quảng Ngãi")).to_be_disabled()

    await phone.say("cai bluezone tren android")
    await expect(page.locator("#log .msg--me").last).to_have_text("cai bluezone tren android")
    await expect(phone.bot.last).to_contain_text("CH Play")
    # The content's **bold** marks become <strong>, not literal stars.
    await expect(phone.bot.last.locator("strong", has_text="CH Play").first).to_be_visible()
    assert "**" not in await phone.bot.last.inner_text()

    await phone.tap("Hướng dẫn từng bước")
    await expect(phone.bot.last).to_contain_text("Bước 1/")
    await expect(phone.bot.last.get_by_role("button", name="Xong")).to_be_visible()
    await expect(phone.bot.last.get_by_role("button", name="Không được")).to_be_visible()

    await phone.tap("Xong")
    await expect(phone.bot.last).to_contain_text("Bước 2/")
    await expect(phone.bot.last).not_to_contain_text("Bước 1/")
    phone.assert_healthy()


async def test_typed_html_is_shown_as_text_and_never_runs(phone: Phone) -> None:
    page = phone.page
    await phone.open()
    bots_before = await phone.bot.count()

    await phone.say(XSS)

    mine = page.locator("#log .msg--me").last
    await expect(mine).to_have_text(XSS)
    assert await mine.evaluate("node => node.children.length") == 0
    await expect(phone.bot).to_have_count(bots_before + 1)
    assert await page.evaluate("typeof window.__xss") == "undefined"
    assert await page.locator("#log script, #log img").count() == 0
    assert await page.evaluate("document.querySelectorAll('script').length") == 1
    phone.assert_healthy()


async def test_fits_a_360_px_screen_without_horizontal_scroll(phone: Phone) -> None:
    page = phone.page
    await phone.choose_soc_trang()
    await phone.say("cai bluezone tren android")
    await expect(phone.bot.last).to_contain_text("CH Play")
    await phone.say("cho toi so ho tro")
    await expect(page.locator("#log a.contact").last).to_be_visible()
    # A long unbroken word and a long web address must wrap too.
    await phone.say("x" * 300)
    await phone.say("https://www.bluezone.gov.vn/" + "a" * 200)

    assert await page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert await page.evaluate("document.body.scrollWidth") <= WIDTH
    assert await page.evaluate(
        "document.getElementById('log').scrollWidth <= document.getElementById('log').clientWidth"
    )
    send = page.locator("#send")
    await expect(send).to_be_visible()
    await expect(send).to_be_in_viewport()
    await expect(page.locator("#text")).to_be_in_viewport()
    box = await send.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= WIDTH
    assert box["y"] + box["height"] <= HEIGHT
    phone.assert_healthy()


async def test_the_session_survives_a_reload(phone: Phone) -> None:
    page = phone.page
    await phone.choose_soc_trang()
    session = await page.evaluate(f"window.localStorage.getItem({SESSION_KEY!r})")
    assert isinstance(session, str)
    assert 8 <= len(session) <= 64

    await phone.reload()

    assert await page.evaluate(f"window.localStorage.getItem({SESSION_KEY!r})") == session
    # The page sent /start again; a known person is greeted without the province question.
    await expect(phone.bot.first).to_contain_text("Xin chào")
    await expect(phone.log.locator(".msg__buttons button").first).to_be_visible()
    for label in ("Quảng Ngãi", "Sóc Trăng", "Tỉnh khác"):
        await expect(phone.log.get_by_role("button", name=label)).to_have_count(0)

    # The same person goes on: the province chosen before the reload still counts.
    await phone.say("cho toi so ho tro")
    await expect(phone.log.locator("a.contact").last).to_have_attribute("href", "tel:02993626800")
    phone.assert_healthy()


async def test_a_new_browser_is_a_new_person(phone: Phone, browser: Browser) -> None:
    await phone.choose_soc_trang()
    first = await phone.page.evaluate(f"window.localStorage.getItem({SESSION_KEY!r})")

    other = await browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="vi-VN")
    try:
        stranger = Phone(page=await other.new_page(), url=phone.url)
        await stranger.open()
        second = await stranger.page.evaluate(f"window.localStorage.getItem({SESSION_KEY!r})")
        assert second != first
        await expect(stranger.bot.last.get_by_role("button", name="Sóc Trăng")).to_be_visible()
    finally:
        await other.close()
    phone.assert_healthy()


async def test_support_shows_a_tappable_contact_card(phone: Phone) -> None:
    page = phone.page
    await phone.choose_soc_trang()
    await phone.say("cho toi so ho tro")

    card = page.locator("#log a.contact").last
    await expect(card).to_be_visible()
    await expect(card).to_have_attribute("href", "tel:02993626800")
    await expect(card).to_contain_text("0299.3626800")
    await expect(card.locator(".contact__phone")).to_contain_text("Gọi")
    phone.assert_healthy()
