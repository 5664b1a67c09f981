"""The admin console in headless Chromium: signing in, the dashboard with a seeded
conversation's unanswered question, and axe-core on every page."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from bot.engine import Engine
from tests.admin_console import (
    PASSWORD,
    add_account,
    cheap_hashes,  # noqa: F401 (a fixture)
)
from tests.chat import Chat
from tests.test_web_browser import axe_violations, base_url, browser  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cheap_hashes")]
QUESTION = "giá vàng hôm nay bao nhiêu"
PAGES = (
    "/admin/broadcasts",
    "/admin/broadcasts/new",
    "/admin/content",
    "/admin/content/topics/bluezone.install",
    "/admin/content/guides/bluezone.install",
    "/admin/feedback",
    "/admin/parked",
    "/admin/tickets",
)


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_sign_in_then_the_dashboard_shows_the_unanswered_question_and_passes_axe(
    browser: Browser,  # noqa: F811
    base_url: str,  # noqa: F811
    engine: Engine,
    lang: str,
) -> None:
    await Chat(engine, user="citizen").say(QUESTION)
    await add_account(engine, "alice")
    context = await browser.new_context(locale="vi-VN" if lang == "vi" else "en-US")
    page = await context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        await page.goto(f"{base_url}/admin?lang={lang}")
        await expect(page).to_have_url(f"{base_url}/admin/login")
        await expect(page.locator("html")).to_have_attribute("lang", lang)
        assert await axe_violations(page) == ""

        await page.locator("#name").fill("alice")
        await page.locator("#password").fill(PASSWORD)
        await page.locator("form.form button[type=submit]").click()

        await expect(page).to_have_url(f"{base_url}/admin/dashboard")
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        await expect(page.locator("main")).to_contain_text(QUESTION)
        await expect(page.locator("svg.chart")).to_be_visible()
        assert await axe_violations(page) == ""

        for address in PAGES if lang == "vi" else ():
            await page.goto(base_url + address)
            await expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert await axe_violations(page) == "", address
        assert errors == []
    finally:
        await context.close()
