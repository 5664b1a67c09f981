"""The web chat page driven in headless Chromium (Debian's package) through Playwright."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Error,
    Locator,
    Page,
    Response,
    Route,
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
WIDTH, HEIGHT = 360, 740
SESSION_KEY = "helpdesk-session"
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
OPERATOR = "Sở Thông tin và Truyền thông Quảng Ngãi"
CONNECTION_FAILED = "không kết nối được"
CONTINUE = re.compile(r"^↩")


def require_chromium() -> None:
    """Skip without Debian's chromium, except on CI, where the browser tests must run."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing on CI; install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} not found (apt-get install chromium to run the browser tests)")


@asynccontextmanager
async def serving(engine: Engine, settings: Settings) -> AsyncIterator[str]:
    """The real app served on a free TCP port of 127.0.0.1; its address."""
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
async def base_url(engine: Engine, settings: Settings) -> AsyncIterator[str]:
    """The real app served on a free TCP port of 127.0.0.1."""
    async with serving(engine, settings) as url:
        yield url


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


def is_chat_post(response: Response) -> bool:
    return response.url.endswith("/api/chat") and response.request.method == "POST"


@dataclass
class Phone:
    """A 360x740 phone with a Vietnamese browser, and what went wrong in the page."""

    page: Page
    url: str
    errors: list[str] = field(default_factory=list)

    @property
    def log(self) -> Locator:
        return self.page.locator("#log")

    @property
    def bot(self) -> Locator:
        return self.page.locator("#log .msg--bot")

    @property
    def mine(self) -> Locator:
        """What the person said, without the screen reader's "Bạn:"."""
        return self.page.locator("#log .msg--me .msg__text")

    async def turn(self, act: Callable[[], Awaitable[Any]]) -> None:
        """Do something that posts to /api/chat; wait for the answer to be shown."""
        async with self.page.expect_response(is_chat_post) as info:
            await act()
        response = await info.value
        assert response.status == 200, await response.text()
        # The page leaves its busy state only after drawing every reply.
        await expect(self.page.locator("#send")).to_be_enabled()

    async def open(self, path: str = "/") -> None:
        """Load the page; it says hello (or opens a shared guide) by itself."""
        await self.turn(lambda: self.page.goto(self.url + path))

    async def reload(self) -> None:
        await self.turn(lambda: self.page.reload())

    async def type(self, text: str) -> None:
        """Type into the box and press Enter, without waiting for an answer."""
        box = self.page.locator("#text")
        await box.fill(text)
        await box.press("Enter")
        await expect(box).to_have_value("")

    async def say(self, text: str) -> None:
        """Type into the box and press Enter; wait for the answer."""
        box = self.page.locator("#text")
        await box.fill(text)
        await self.turn(lambda: box.press("Enter"))
        await expect(box).to_have_value("")

    async def tap(self, label: str | re.Pattern[str]) -> None:
        """Press the button with this label in the newest bot message."""
        button = self.bot.last.get_by_role("button", name=label)
        await expect(button).to_be_enabled()
        await self.turn(button.click)

    async def choose_soc_trang(self) -> None:
        await self.open()
        await expect(self.bot.first).to_contain_text("Xin chào")
        await self.tap("Sóc Trăng")
        await expect(self.bot.last).to_contain_text("Sóc Trăng")

    async def start_install_guide(self) -> None:
        """Sóc Trăng, an Android question, then the step-by-step guide: step 1 on screen."""
        await self.choose_soc_trang()
        await self.say("cai bluezone tren android")
        await expect(self.bot.last).to_contain_text("CH Play")
        await self.tap("Hướng dẫn từng bước")
        await expect(self.bot.last).to_contain_text("Bước 1/")

    async def assert_in_log_view(self, target: Locator) -> None:
        """`target` lies wholly inside the visible part of the conversation (not scrolled off)."""
        await expect(target).to_be_visible()
        log_box = await self.log.bounding_box()
        box = await target.bounding_box()
        assert log_box is not None and box is not None
        assert box["y"] >= log_box["y"] - 1, (box, log_box)
        assert box["y"] + box["height"] <= log_box["y"] + log_box["height"] + 1, (box, log_box)

    def assert_healthy(self) -> None:
        assert not self.errors, self.errors


@asynccontextmanager
async def new_phone(browser: Browser, url: str, **options: Any) -> AsyncIterator[Phone]:
    """A fresh browser context (a new person) recording the page's errors."""
    context = await browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, locale="vi-VN", **options
    )
    page = await context.new_page()
    page.set_default_timeout(15_000)
    found = Phone(page=page, url=url)

    def on_console(message: ConsoleMessage) -> None:
        # Failed loads are checked by URL below; the failure tests make some on purpose.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            found.errors.append(f"console: {message.text}")

    def on_page_error(error: Error) -> None:
        found.errors.append(f"page error: {error}")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            found.errors.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("response", on_response)
    try:
        yield found
    finally:
        await context.close()


@pytest.fixture
async def phone(browser: Browser, base_url: str) -> AsyncIterator[Phone]:
    async with new_phone(browser, base_url) as found:
        yield found


class FailOnce:
    """Routes /api/chat: the first request fails (`how`), the next ones reach the server."""

    def __init__(self, how: str) -> None:
        self.how = how
        self.bodies: list[Any] = []

    async def __call__(self, route: Route) -> None:
        self.bodies.append(route.request.post_data_json)
        if len(self.bodies) > 1:
            await route.continue_()
        elif self.how == "network":
            await route.abort("internetdisconnected")
        else:
            await route.fulfill(status=503, content_type="application/json", body='{"error":"x"}')


# --- a conversation ---------------------------------------------------------------------


async def test_welcome_province_question_and_a_guide_step_by_step(phone: Phone) -> None:
    page = phone.page
    await phone.open()
    await expect(page.locator("html")).to_have_attribute("lang", "vi")
    await expect(phone.bot.first).to_contain_text("Xin chào")
    for label in ("Quảng Ngãi", "Sóc Trăng", "Tỉnh khác"):
        await expect(phone.bot.last.get_by_role("button", name=label)).to_be_visible()

    await phone.tap("Sóc Trăng")
    await expect(phone.mine.last).to_have_text("Sóc Trăng")
    await expect(phone.bot.last).to_contain_text("Sóc Trăng")
    # Buttons of answered questions are switched off.
    await expect(page.locator("#log").get_by_role("button", name="Quảng Ngãi")).to_be_disabled()

    await phone.say("cai bluezone tren android")
    await expect(phone.mine.last).to_have_text("cai bluezone tren android")
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

    mine = phone.mine.last
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


async def test_a_new_browser_is_a_new_person(phone: Phone, browser: Browser) -> None:
    await phone.choose_soc_trang()
    first = await phone.page.evaluate(f"window.localStorage.getItem({SESSION_KEY!r})")

    async with new_phone(browser, phone.url) as stranger:
        await stranger.open()
        second = await stranger.page.evaluate(f"window.localStorage.getItem({SESSION_KEY!r})")
        assert second != first
        await expect(stranger.bot.last.get_by_role("button", name="Sóc Trăng")).to_be_visible()
        stranger.assert_healthy()
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


# --- where the answer starts ------------------------------------------------------------


async def test_a_long_answer_is_shown_from_its_first_line(phone: Phone) -> None:
    await phone.choose_soc_trang()
    await phone.say("quet ma qr ntn")

    answer = phone.bot.last
    await expect(answer).to_contain_text("Khi đến nơi có mã QR")
    log_box = await phone.log.bounding_box()
    answer_box = await answer.bounding_box()
    assert log_box is not None and answer_box is not None
    # The answer is taller than the conversation's window: scrolled to the bottom, its first
    # line would be out of sight.
    assert answer_box["height"] > log_box["height"], (answer_box, log_box)
    await phone.assert_in_log_view(answer.get_by_text("Khi đến nơi có mã QR"))
    phone.assert_healthy()


async def test_a_guide_step_and_a_hotline_card_are_in_sight(phone: Phone) -> None:
    await phone.start_install_guide()
    await phone.assert_in_log_view(phone.bot.last.locator("strong", has_text="Bước 1/"))

    await phone.say("cho toi so ho tro")
    name = phone.bot.last.locator(".contact__name").first
    await expect(name).to_contain_text("Trung tâm Công nghệ thông tin")
    await phone.assert_in_log_view(name)
    phone.assert_healthy()


# --- waiting, failing, trying again -----------------------------------------------------


async def test_a_typing_bubble_shows_while_the_answer_is_on_its_way(phone: Phone) -> None:
    page = phone.page
    await phone.choose_soc_trang()
    release = asyncio.Event()

    async def hold(route: Route) -> None:
        await release.wait()
        await route.continue_()

    await page.route("**/api/chat", hold)
    await phone.type("cai bluezone tren android")

    typing = page.locator("#log .msg--typing")
    await expect(typing).to_be_visible()
    await expect(typing).to_contain_text("đang soạn câu trả lời")  # read by screen readers
    await expect(page.locator("#send")).to_be_disabled()
    release.set()
    await expect(phone.bot.last).to_contain_text("CH Play")
    await expect(typing).to_have_count(0)
    phone.assert_healthy()


@pytest.mark.parametrize("how", ["network", "server"])
async def test_a_failed_request_offers_retry_menu_and_the_hotline(phone: Phone, how: str) -> None:
    page = phone.page
    await phone.choose_soc_trang()
    menu_button = phone.log.get_by_role("button", name="Quét mã QR")
    await expect(menu_button).to_be_enabled()
    failing = FailOnce(how)
    await page.route("**/api/chat", failing)

    await phone.type("cai bluezone tren android")

    notice = page.locator("#log .msg--error")
    await expect(notice).to_have_count(1)
    await expect(notice).to_contain_text(CONNECTION_FAILED)
    # The province's hotline is there even though the server is not.
    await expect(notice.locator("a.contact")).to_have_attribute("href", "tel:02993626800")
    await expect(notice.get_by_role("button", name="Thử lại")).to_be_enabled()
    await expect(notice.get_by_role("button", name="Menu chính")).to_be_enabled()
    # The buttons of the answer before can be used again.
    await expect(menu_button).to_be_enabled()
    await expect(page.locator("#send")).to_be_enabled()

    await phone.turn(notice.get_by_role("button", name="Thử lại").click)

    await expect(phone.bot.last).to_contain_text("CH Play")
    assert [b["text"] for b in failing.bodies] == ["cai bluezone tren android"] * 2
    await expect(notice.get_by_role("button", name="Thử lại")).to_be_disabled()
    await expect(phone.mine).to_have_count(2)  # "Sóc Trăng" and the question, once
    expected = [f"HTTP 503: {phone.url}/api/chat"] if how == "server" else []
    assert phone.errors == expected


async def test_writing_faster_than_the_limit_says_so_and_offers_to_try_again(
    browser: Browser, engine: Engine, tmp_path: Path
) -> None:
    """A real 429 from the server's flood limit (4 messages at once for one person)."""
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'strict.db'}",
        "WEB_SESSION_PER_MINUTE": "1",
        "WEB_SESSION_BURST": "4",
    }
    async with (
        serving(engine, Settings.from_env(env)) as url,
        new_phone(browser, url) as phone,
    ):
        page = phone.page
        await phone.choose_soc_trang()  # "hello" and the province: 2
        await phone.say("cai bluezone")
        await phone.say("cai ncovi")
        await phone.type("quet ma qr")  # the fifth
        notice = page.locator("#log .msg--error")
        await expect(notice).to_have_count(1)
        await expect(notice).to_contain_text("đợi vài giây")
        await expect(notice).not_to_contain_text(CONNECTION_FAILED)
        await expect(notice.get_by_role("button", name="Thử lại")).to_be_enabled()
        await expect(page.locator("#send")).to_be_enabled()
        assert phone.errors == [f"HTTP 429: {url}/api/chat"]


async def test_a_request_that_hangs_fails_after_15_seconds(phone: Phone) -> None:
    page = phone.page
    await page.clock.install()
    await phone.choose_soc_trang()
    held: list[Route] = []

    async def hang(route: Route) -> None:
        if held:
            await route.continue_()
        else:
            held.append(route)  # never answered

    await page.route("**/api/chat", hang)
    await phone.type("cho toi so ho tro")
    await expect(page.locator("#log .msg--typing")).to_be_visible()
    await page.clock.run_for(14_000)
    await expect(page.locator("#log .msg--error")).to_have_count(0)
    await page.clock.run_for(1_500)

    notice = page.locator("#log .msg--error")
    await expect(notice).to_contain_text(CONNECTION_FAILED)
    await expect(page.locator("#log .msg--typing")).to_have_count(0)
    await phone.turn(notice.get_by_role("button", name="Menu chính").click)
    await expect(phone.mine.last).to_have_text("☰ Menu chính")
    await expect(phone.bot.last.get_by_role("button", name="Quét mã QR")).to_be_visible()
    phone.assert_healthy()


# --- coming back ------------------------------------------------------------------------


async def test_a_reload_offers_to_continue_the_guide_without_moving_it(phone: Phone) -> None:
    page = phone.page
    await phone.start_install_guide()
    session = await page.evaluate(f"window.localStorage.getItem({SESSION_KEY!r})")

    await phone.reload()

    assert await page.evaluate(f"window.localStorage.getItem({SESSION_KEY!r})") == session
    # Not a stranger: no first greeting, no province question.
    await expect(phone.log).not_to_contain_text("Xin chào")
    await expect(phone.log.get_by_role("button", name="Sóc Trăng")).to_have_count(0)
    resume = phone.bot.last.get_by_role("button", name=CONTINUE)
    await expect(resume).to_contain_text("Hướng dẫn cài Bluezone")

    # "xong" typed now must not move a step the person cannot see.
    await phone.say("xong")
    await expect(phone.log).not_to_contain_text("Bước 2/")
    await phone.tap(CONTINUE)
    await expect(phone.bot.last).to_contain_text("Bước 1/")
    phone.assert_healthy()


async def test_a_reload_keeps_the_province(phone: Phone) -> None:
    await phone.choose_soc_trang()
    await phone.reload()
    await expect(phone.log.locator(".msg__buttons button").first).to_be_visible()
    for label in ("Quảng Ngãi", "Sóc Trăng", "Tỉnh khác"):
        await expect(phone.log.get_by_role("button", name=label)).to_have_count(0)

    await phone.say("cho toi so ho tro")
    await expect(phone.log.locator("a.contact").last).to_have_attribute("href", "tel:02993626800")
    phone.assert_healthy()


async def test_a_shared_guide_link_opens_the_guide(phone: Phone) -> None:
    page = phone.page
    await phone.open("/?guide=bluezone.install")
    await expect(phone.mine).to_have_count(0)
    await expect(phone.bot.first).to_contain_text("hướng dẫn từng bước")
    await expect(phone.bot.last.get_by_role("button", name="iPhone")).to_be_visible()
    # The address no longer names the guide, so a reload resumes instead of restarting.
    assert "guide=" not in page.url

    await phone.tap("Android")
    await expect(phone.bot.last).to_contain_text("Bước 1/")
    phone.assert_healthy()


async def test_a_shared_topic_link_opens_the_answer(phone: Phone) -> None:
    await phone.open("/?topic=qr.scan")
    await expect(phone.bot.first).to_contain_text("Khi đến nơi có mã QR")
    await phone.assert_in_log_view(phone.bot.first.get_by_text("Khi đến nơi có mã QR"))
    phone.assert_healthy()


async def test_a_bad_shared_link_just_greets(phone: Phone) -> None:
    await phone.open("/?guide=" + "%3Cscript%3E")
    await expect(phone.bot.first).to_contain_text("Xin chào")
    await expect(phone.bot.last.get_by_role("button", name="Sóc Trăng")).to_be_visible()
    phone.assert_healthy()


async def test_share_copies_the_link_to_the_guide(browser: Browser, base_url: str) -> None:
    async with new_phone(
        browser, base_url, permissions=["clipboard-read", "clipboard-write"]
    ) as phone:
        page = phone.page
        await phone.start_install_guide()
        guide_bubble = phone.bot.last
        await guide_bubble.get_by_role("button", name="Chia sẻ").click()

        await expect(guide_bubble).to_contain_text("Đã sao chép đường dẫn")
        copied = await page.evaluate("navigator.clipboard.readText()")
        assert copied == f"{base_url}/?guide=bluezone.install"

        # Whoever gets the link lands in the same guide.
        async with new_phone(browser, base_url) as friend:
            await friend.open(copied.removeprefix(base_url))
            await expect(friend.bot.last.get_by_role("button", name="iPhone")).to_be_visible()
            friend.assert_healthy()
        phone.assert_healthy()


async def test_share_without_a_clipboard_shows_the_link_to_copy(phone: Phone) -> None:
    await phone.choose_soc_trang()
    await phone.say("quet ma qr ntn")
    # A browser that refuses the clipboard: the link is shown, selected, to copy by hand.
    await phone.page.evaluate(
        "() => { navigator.clipboard.writeText = () => Promise.reject(new Error('denied')); }"
    )
    await phone.bot.last.get_by_role("button", name="Chia sẻ").click()

    field = phone.bot.last.get_by_role("textbox", name="Sao chép đường dẫn này")
    await expect(field).to_have_value(f"{phone.url}/?topic=qr.scan")
    await expect(field).to_be_focused()
    phone.assert_healthy()


# --- who runs it, who said what ---------------------------------------------------------


async def test_the_header_names_the_operator_and_links_the_about_page(phone: Phone) -> None:
    page = phone.page
    await phone.open()
    operator = page.locator("header").get_by_role("link", name=OPERATOR)
    await expect(operator).to_be_visible()
    await expect(operator).to_have_attribute("href", re.compile(r"^https://"))
    await expect(page.locator("link[rel=icon]")).to_have_attribute("href", "/static/favicon.svg")

    await page.get_by_role("link", name="Giới thiệu dịch vụ").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Giới thiệu dịch vụ")
    await expect(page.locator("main")).to_contain_text(OPERATOR)
    phone.assert_healthy()


async def test_each_bubble_tells_a_screen_reader_who_said_it(phone: Phone) -> None:
    await phone.choose_soc_trang()
    await phone.say("cai bluezone")

    mine = phone.page.locator("#log .msg--me").last
    await expect(mine).to_have_text("Bạn: cai bluezone")
    await expect(phone.bot.last).to_contain_text("Hỗ trợ cài đặt: ")
    # ...and only to a screen reader: the words take no room on screen.
    for label in (mine.locator(".visually-hidden"), phone.bot.last.locator(".visually-hidden")):
        box = await label.first.bounding_box()
        assert box is not None and box["width"] <= 1 and box["height"] <= 1
    phone.assert_healthy()


async def test_the_text_box_border_is_visible_enough(phone: Phone) -> None:
    await phone.open()
    border = await phone.page.locator("#text").evaluate("e => getComputedStyle(e).borderTopColor")
    assert contrast(border, "rgb(255, 255, 255)") >= 3.0, border


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two `rgb(r, g, b)` colours."""

    def luminance(colour: str) -> float:
        channels = [int(v) / 255 for v in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


async def test_a_tapped_button_does_not_pop_up_the_keyboard(
    browser: Browser, base_url: str
) -> None:
    async with new_phone(browser, base_url, has_touch=True, is_mobile=True) as phone:
        box = phone.page.locator("#text")
        await phone.choose_soc_trang()
        await expect(box).not_to_be_focused()
        await phone.tap("Bluezone")
        await expect(box).not_to_be_focused()
        # After typing, the box keeps the focus for the next question.
        await phone.say("cai bluezone")
        await expect(box).to_be_focused()
        phone.assert_healthy()


async def test_with_a_mouse_the_box_takes_the_focus_back(phone: Phone) -> None:
    box = phone.page.locator("#text")
    await phone.choose_soc_trang()
    await expect(box).to_be_focused()


# --- deleting one's data from /about ----------------------------------------------------


async def test_delete_my_data_on_the_about_page(phone: Phone) -> None:
    page = phone.page
    await phone.choose_soc_trang()
    session = await page.evaluate(f"window.localStorage.getItem({SESSION_KEY!r})")
    assert session

    await page.goto(phone.url + "/about")
    async with page.expect_response(is_chat_post) as info:
        await page.get_by_role("button", name="Xóa dữ liệu của tôi").click()
    assert (await info.value).request.post_data_json == {
        "session": session,
        "action": "del:yes",
        "locale": "vi",
    }
    await expect(page.get_by_role("status")).to_contain_text("Đã xóa dữ liệu của bạn")
    assert await page.evaluate(f"window.localStorage.getItem({SESSION_KEY!r})") is None

    # Back in the chat this browser is a stranger: asked for the province again.
    await page.get_by_role("link", name="Quay lại khung trò chuyện").first.click()
    await expect(phone.bot.last.get_by_role("button", name="Sóc Trăng")).to_be_visible()
    assert await page.evaluate(f"window.localStorage.getItem({SESSION_KEY!r})") != session
    phone.assert_healthy()


# --- accessibility (axe-core) -----------------------------------------------------------


async def axe_violations(page: Page) -> str:
    """axe-core's violations on the page as it is now, one line each ("" when none)."""
    results = await Axe().run(page)
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
    )


async def test_the_chat_passes_axe_with_a_guide_step_and_a_hotline(phone: Phone) -> None:
    await phone.start_install_guide()
    await phone.say("cho toi so ho tro")
    await expect(phone.page.locator("#log a.contact").last).to_be_visible()
    assert await axe_violations(phone.page) == ""


async def test_the_connection_notice_passes_axe(phone: Phone) -> None:
    await phone.choose_soc_trang()
    await phone.page.route("**/api/chat", FailOnce("network"))
    await phone.type("cai bluezone")
    await expect(phone.page.locator("#log .msg--error")).to_be_visible()
    assert await axe_violations(phone.page) == ""


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_the_about_page_passes_axe(phone: Phone, lang: str) -> None:
    await phone.page.goto(f"{phone.url}/about?lang={lang}")
    await expect(phone.page.get_by_role("heading", level=1)).to_be_visible()
    assert await axe_violations(phone.page) == ""
    phone.assert_healthy()
