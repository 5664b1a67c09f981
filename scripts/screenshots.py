"""The README's screenshots of the web chat, at 360 px wide, from the real app.

    .venv/bin/python scripts/screenshots.py [output folder, default docs/screenshots]

Serves the app on a free port of 127.0.0.1 with a throw-away SQLite database (as the browser
tests do), drives Debian's /usr/bin/chromium through Playwright like a citizen would, and
writes chat-guide-step.png, chat-hotline.png, chat-connection-failed.png and about.png.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from playwright.async_api import Page, Route, async_playwright, expect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_engine  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.server import create_app  # noqa: E402
from bot.settings import Settings  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
WIDTH, HEIGHT = 360, 740


async def turn(page: Page, act: Callable[[], Awaitable[Any]]) -> None:
    """Do something that posts to /api/chat and wait until the answer is drawn."""
    async with page.expect_response(lambda r: r.url.endswith("/api/chat")):
        await act()
    await expect(page.locator("#send")).to_be_enabled()


async def say(page: Page, text: str) -> None:
    await page.locator("#text").fill(text)
    await turn(page, lambda: page.locator("#text").press("Enter"))


async def tap(page: Page, label: str) -> None:
    button = page.locator("#log .msg--bot").last.get_by_role("button", name=label)
    await turn(page, button.click)


async def shoot(out: Path, base: str) -> list[Path]:
    written: list[Path] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT},
            locale="vi-VN",
            device_scale_factor=1,
            is_mobile=True,
            has_touch=True,
            reduced_motion="reduce",
        )
        page = await context.new_page()
        page.set_default_timeout(15_000)
        await turn(page, lambda: page.goto(base + "/"))
        await tap(page, "Sóc Trăng")
        await say(page, "cai bluezone tren android")
        await tap(page, "Hướng dẫn từng bước")
        await expect(page.locator("#log .msg--bot").last).to_contain_text("Bước 1/")
        written.append(out / "chat-guide-step.png")
        await page.screenshot(path=written[-1])

        await say(page, "cho toi so ho tro")
        await expect(page.locator("#log a.contact").last).to_be_in_viewport()
        written.append(out / "chat-hotline.png")
        await page.screenshot(path=written[-1])

        failures = [True]

        async def fail_once(route: Route) -> None:
            if failures:
                failures.pop()
                await route.abort("internetdisconnected")
            else:
                await route.continue_()

        await page.route("**/api/chat", fail_once)
        await page.locator("#text").fill("quet ma qr khong duoc")
        await page.locator("#text").press("Enter")
        await expect(page.locator("#log .msg--error")).to_be_visible()
        await expect(page.locator("#send")).to_be_enabled()
        written.append(out / "chat-connection-failed.png")
        await page.screenshot(path=written[-1])

        await page.goto(base + "/about")
        written.append(out / "about.png")
        await page.screenshot(path=written[-1], full_page=True)
        await browser.close()
    return written


async def serve_and_shoot(
    shoot: Callable[[Path, str], Awaitable[list[Path]]],
    env: dict[str, str] | None = None,
    prepare: Callable[[Engine], Awaitable[None]] | None = None,
) -> None:
    """Serve the app on a free port with a throw-away database (`env` added to its
    settings, `prepare` run on its engine first) and print the screenshots `shoot` writes."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        database = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/helpdesk.db"}
        settings = Settings.from_env(database | (env or {}))
        engine = await build_engine(settings)
        if prepare is not None:
            await prepare(engine)
        runner = web.AppRunner(await create_app(engine, settings), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        try:
            for path in await shoot(out, f"http://{host}:{port}"):
                print(path)
        finally:
            await runner.cleanup()
            await engine.database.dispose()


async def main() -> None:
    await serve_and_shoot(shoot)


if __name__ == "__main__":
    asyncio.run(main())
