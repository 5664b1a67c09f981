"""`helpdesk zalo check --to <user id>`: does the real Zalo accept what the bot sends?

1. the access token: valid, refreshed, or refused (naming the setting to fix);
2. one message with a button to that person: Zalo's answer to the template shape, and when
   it refuses that, to the same message as numbered text (wire.py has why this is in doubt);
3. the webhook (ZALO_WEBHOOK_URL, when set) answers Zalo's registration probe with 200.

It ends with one verdict line, and exits 0 when the bot can talk to that person, else 1
(2 when Zalo is not configured at all).
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TextIO

import aiohttp

from bot.health import ChannelHealth, ChannelState
from bot.i18n import N_, translations
from bot.settings import Settings, SettingsError
from bot.storage import Database
from bot.storage.channel_store import ChannelStore
from channels.zalo import wire
from channels.zalo.client import CHANNEL, Answer, ZaloClient
from channels.zalo.config import ZaloSettings
from channels.zalo.errors import Verdict

CHECK_TEXT = N_("A test of the helpdesk's Zalo connection. You can ignore this message.")
MENU = N_("☰ Main menu")
MENU_ACTION = "menu"
HINT = N_("Reply with a number to choose.")


@dataclass
class Report:
    """What the check found, line by line."""

    out: TextIO
    problems: list[str] = field(default_factory=list)

    def line(self, what: str, found: str) -> None:
        """Print one finding."""
        print(f"zalo check: {what:<8} {found}", file=self.out, flush=True)

    def problem(self, what: str, found: str) -> None:
        """Print a finding that makes the check fail."""
        self.line(what, found)
        self.problems.append(found)


async def run_check(env: Mapping[str, str] | None, to: str, out: TextIO) -> int:
    """Run the check and print its report; the exit code."""
    try:
        settings = Settings.from_env(env)
        zalo = ZaloSettings.from_env(settings.env or {})
    except SettingsError as error:
        print(f"zalo check: configuration error: {error}", file=out)
        return 2
    if zalo is None:
        print("zalo check: Zalo is not configured (ZALO_APP_ID, ZALO_OA_SECRET_KEY)", file=out)
        return 2
    catalog = translations(settings.locales_dir, settings.default_locale)
    report = Report(out)
    database = Database(settings.database_url)
    health = ChannelHealth()
    store = ChannelStore(database, CHANNEL)
    client = ZaloClient(zalo, store, health)
    try:
        await database.upgrade()
        await client.start()
        accepted = await _message(client, store, to, catalog, report)
        _token(client, health, report)
    finally:
        await client.close()
        await database.dispose()
    await _webhook(zalo, report)
    if report.problems:
        print(f"VERDICT: NOT READY: {report.problems[0]}", file=out)
        return 1
    advice = {
        "template": "Zalo accepted template buttons; if the button shows on that phone, "
        "ZALO_BUTTONS=template will use them",
        "numbered": "Zalo refused template buttons; numbered choices work (ZALO_BUTTONS=numbered)",
    }[accepted or "numbered"]
    print(f"VERDICT: READY: Zalo accepted a message to {to}; {advice}", file=out)
    return 0


def _token(client: ZaloClient, health: ChannelHealth, report: Report) -> None:
    status = health.status(CHANNEL)
    if status is not None and status.state is ChannelState.STOPPED:
        report.problem("token", f"refused: {status.error}")
    elif client.refreshed:
        report.line("token", "refreshed (the new pair is stored in the database)")
    else:
        report.line("token", "valid")


async def _message(
    client: ZaloClient,
    store: ChannelStore,
    to: str,
    catalog: gettext.NullTranslations,
    report: Report,
) -> str | None:
    """Send the test message as a template, then numbered if refused; the shape accepted."""
    text, menu = catalog.gettext(CHECK_TEXT), catalog.gettext(MENU)
    template = wire.text_message(to, text, [wire.action_button(menu, MENU_ACTION)])
    answer = await client.send(template)
    if answer.verdict is Verdict.SENT:
        report.line(
            "message",
            "accepted with a template button: look on that phone whether the button shows",
        )
        return "template"
    if answer.verdict is Verdict.REFRESH:  # the token line says why
        report.line("message", "not sent: the access token was refused")
        return None
    if answer.verdict is not Verdict.SHAPE:
        report.problem("message", _why(answer, to))
        return None
    report.line("message", f"template button refused ({answer.code}: {answer.message})")
    numbered = f"{text}\n1. {menu}\n{catalog.gettext(HINT)}"
    answer = await client.send(wire.text_message(to, numbered, []))
    if answer.verdict is not Verdict.SENT:
        report.problem("message", f"numbered text refused too: {_why(answer, to)}")
        return None
    report.line("message", "accepted as numbered text (ZALO_BUTTONS=numbered)")
    thread = await store.thread(to)
    if thread is not None:  # so that typing "1" does what the message says
        thread.choices = [MENU_ACTION]
        await store.save_thread(thread)
    return "numbered"


def _why(answer: Answer, to: str) -> str:
    match answer.verdict:
        case Verdict.OUTSIDE_WINDOW | Verdict.QUOTA:
            return (
                f"Zalo will not let the OA write to {to} now ({answer.code}: {answer.message}); "
                "write to the OA from that account first, then run the check again"
            )
        case Verdict.UNREACHABLE:
            return f"{to} cannot get messages from the OA ({answer.code}: {answer.message})"
        case _:
            return f"refused ({answer.code}: {answer.message or 'no answer'})"


async def _webhook(zalo: ZaloSettings, report: Report) -> None:
    if not zalo.webhook_url:
        report.line("webhook", "not checked (set ZALO_WEBHOOK_URL to its public address)")
        return
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.post(
                zalo.webhook_url, data=b"{}", headers={"Content-Type": "application/json"}
            ) as response,
        ):
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as error:
        report.problem("webhook", f"{zalo.webhook_url} did not answer ({type(error).__name__})")
        return
    if status == 200:
        report.line("webhook", f"{zalo.webhook_url} answered Zalo's registration probe (200)")
    else:
        report.problem("webhook", f"{zalo.webhook_url} answered the probe with {status}, not 200")
