"""The README's screenshots of live support and the admin console, from the real app.

    .venv/bin/python scripts/screenshots_console.py [output folder, default docs/screenshots]

Serves the app on a free port with a throw-away SQLite database, live support on and staff
always there, and drives Debian's /usr/bin/chromium through Playwright: a citizen on a phone
asks something the bot cannot answer, asks for a person and writes to the staff; an admin
signs in on a desktop, sees that question on the dashboard, answers the ticket; the citizen
sees the answer arrive, signed by the operator. Writes admin-dashboard.png,
admin-ticket.png and chat-operator-reply.png.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from pathlib import Path

from aiohttp import web
from playwright.async_api import expect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.admin.accounts import create_account  # noqa: E402
from bot.admin.passwords import hash_password  # noqa: E402
from bot.app import build_engine  # noqa: E402
from bot.server import create_app  # noqa: E402
from bot.settings import Settings  # noqa: E402
from scripts.screenshots import ARGS, CHROMIUM, HEIGHT, WIDTH, say, tap, turn  # noqa: E402

PASSWORD = "a long password for the screenshots"
UNANSWERED = "thoi tiet ngay mai o ha noi the nao"


async def shoot(out: Path, base: str) -> list[Path]:
    """Drive both people through the hand-over; the screenshots written."""
    from playwright.async_api import async_playwright

    written: list[Path] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        phone = await browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT},
            locale="vi-VN",
            is_mobile=True,
            has_touch=True,
            reduced_motion="reduce",
        )
        citizen = await phone.new_page()
        citizen.set_default_timeout(15_000)
        await turn(citizen, lambda: citizen.goto(base + "/"))
        await tap(citizen, "Sóc Trăng")
        await say(citizen, UNANSWERED)
        await say(citizen, "cho tôi gặp người hỗ trợ")
        await tap(citizen, re.compile("💬"))
        await say(citizen, "Tôi cài Bluezone rồi nhưng mã OTP không về")

        desk = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        admin = await desk.new_page()
        admin.set_default_timeout(15_000)
        await admin.goto(base + "/admin/login")
        await admin.fill("input[name=name]", "lan")
        await admin.fill("input[name=password]", PASSWORD)
        await admin.click("button[type=submit]")
        await admin.goto(base + "/admin/dashboard")
        await expect(admin.get_by_text(UNANSWERED).first).to_be_visible()
        written.append(out / "admin-dashboard.png")
        await admin.screenshot(path=written[-1], full_page=True)

        await admin.goto(base + "/admin/tickets/1")
        answer = "Chào bạn, bạn kiểm tra sóng điện thoại rồi bấm gửi lại mã nhé."
        await admin.fill("textarea[name=text]", answer)
        await admin.get_by_role("button", name="Gửi").click()
        await admin.wait_for_load_state()
        written.append(out / "admin-ticket.png")
        await admin.screenshot(path=written[-1], full_page=True)

        person = citizen.locator("#log .msg--person").last
        await expect(person).to_contain_text("kiểm tra sóng")
        await person.scroll_into_view_if_needed()
        written.append(out / "chat-operator-reply.png")
        await citizen.screenshot(path=written[-1])
        await browser.close()
    return written


async def main() -> None:
    """Serve, shoot, clean up."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(
            {
                "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/helpdesk.db",
                "LIVE_SUPPORT": "on",
                "SUPPORT_HOURS": "always",
            }
        )
        engine = await build_engine(settings)
        await engine.database.run(create_account, "lan", hash_password(PASSWORD), "admin")
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


if __name__ == "__main__":
    asyncio.run(main())
