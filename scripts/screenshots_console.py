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
from pathlib import Path

from playwright.async_api import expect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.admin.accounts import create_account  # noqa: E402
from bot.admin.passwords import hash_password  # noqa: E402
from bot.engine import Engine  # noqa: E402
from scripts.screenshots import (  # noqa: E402
    ARGS,
    CHROMIUM,
    HEIGHT,
    WIDTH,
    say,
    serve_and_shoot,
    tap,
    turn,
)

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


async def make_admin(engine: Engine) -> None:
    """The admin account the screenshots sign in with."""
    await engine.database.run(create_account, "lan", hash_password(PASSWORD), "admin")


async def main() -> None:
    """Serve with live support on and staff always there, shoot, clean up."""
    env = {"LIVE_SUPPORT": "on", "SUPPORT_HOURS": "always"}
    await serve_and_shoot(shoot, env, make_admin)


if __name__ == "__main__":
    asyncio.run(main())
