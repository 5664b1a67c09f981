"""`helpdesk telegram check`: does the real Bot API accept this bot, and does it deliver to us?

getMe says whether the token works (and the bot's @username); getWebhookInfo says which
webhook Telegram has registered, how many updates wait for us, and the last error Telegram
met delivering to the webhook. The last line is the verdict, `OK: ...` or `PROBLEM: ...`;
the exit code is 0 or 1. The token is never printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram import Bot, WebhookInfo
from telegram.error import InvalidToken, TelegramError

from bot.health import one_line
from bot.settings import Settings, SettingsError
from channels.telegram.config import TelegramSettings
from channels.telegram.request import AiohttpRequest

# A delivery error this recent is a problem even when nothing is waiting any more.
RECENT_ERROR = dt.timedelta(hours=1)
# More updates than this waiting for the bot means it is not taking them.
PENDING_LIMIT = 100


@dataclass
class Report:
    """What the check found: lines to show, and the problems (none means OK)."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fine: str = "the Bot API accepts the token"

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    @property
    def verdict(self) -> str:
        """The last line: `OK: ...` or `PROBLEM: ...`."""
        return f"OK: {self.fine}" if self.ok else "PROBLEM: " + "; ".join(self.problems)


async def check(settings: TelegramSettings, now: Callable[[], dt.datetime] | None = None) -> Report:
    """Ask the Bot API about the bot and its webhook."""
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    report = Report(lines=[f"Bot API: {settings.api_base_url}<token>"])
    bot = Bot(
        settings.token,
        base_url=settings.api_base_url,
        request=AiohttpRequest(connections=1),
        get_updates_request=AiohttpRequest(connections=1),
    )
    try:
        async with bot:  # getMe; closed again on the way out, failed or not
            inline = "on" if bot.supports_inline_queries else "off (BotFather: /setinline)"
            report.lines.append(f"bot: @{bot.username} (id {bot.id}), inline mode {inline}")
            info = await bot.get_webhook_info()
    except InvalidToken as error:
        cause = error.__cause__ if isinstance(error.__cause__, InvalidToken) else error
        report.problems.append(
            f"TELEGRAM_BOT_TOKEN was refused by the Bot API ({_safe(cause.message, settings)}): "
            "check the token BotFather gave, and TELEGRAM_API_BASE_URL if it is set"
        )
        return report
    except TelegramError as error:
        report.problems.append(
            f"cannot reach the Bot API at {settings.api_base_url}: "
            f"{_safe(one_line(error), settings)}"
        )
        return report
    _webhook(report, settings, info, clock())
    return report


def _webhook(
    report: Report, settings: TelegramSettings, info: WebhookInfo, now: dt.datetime
) -> None:
    wanted = settings.webhook_url
    registered = info.url or ""
    report.lines.append(f"mode: {'webhook' if wanted else 'long polling'}")
    report.lines.append(f"registered webhook: {registered or 'none'}")
    report.lines.append(f"pending updates: {info.pending_update_count}")
    error_at = info.last_error_date
    stale = error_at is not None and now - error_at >= RECENT_ERROR
    if error_at is not None:
        when = error_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        since = " (over an hour ago)" if stale else ""
        report.lines.append(f"last delivery error: {when}: {info.last_error_message or '?'}{since}")
    else:
        report.lines.append("last delivery error: none")
    if wanted:
        if not registered:
            report.problems.append(
                "no webhook is registered: start `helpdesk serve`, which registers "
                "TELEGRAM_WEBHOOK_URL"
            )
        elif registered != wanted:
            report.problems.append(
                f"the registered webhook is {registered}, not TELEGRAM_WEBHOOK_URL ({wanted}): "
                "restart `helpdesk serve`, or another deployment uses this bot"
            )
        if error_at is not None and (not stale or info.pending_update_count > 0):
            report.problems.append(
                f"Telegram could not deliver to the webhook: {info.last_error_message or '?'}"
            )
        report.fine = f"the Bot API accepts the token and delivers to {registered}"
    else:
        if registered:
            report.problems.append(
                f"a webhook is registered ({registered}) but TELEGRAM_WEBHOOK_URL is unset: "
                "long polling gets nothing until it is deleted (`helpdesk serve` does at start)"
            )
        report.fine = "the Bot API accepts the token; updates are fetched by long polling"
    if info.pending_update_count > PENDING_LIMIT:
        report.problems.append(
            f"{info.pending_update_count} updates are waiting: is `helpdesk serve` running?"
        )


def _safe(text: str, settings: TelegramSettings) -> str:
    return text.replace(settings.token, "<TELEGRAM_BOT_TOKEN>")


async def main() -> int:
    """The command: print what was found and the verdict; 0 when OK, 1 otherwise."""
    try:
        settings = TelegramSettings.from_env(Settings.from_env().env or {})
    except SettingsError as error:
        print(f"PROBLEM: configuration error: {error}")
        return 1
    if settings is None:
        print("PROBLEM: TELEGRAM_BOT_TOKEN is not set")
        return 1
    report = await check(settings)
    for line in report.lines:
        print(line)
    print(report.verdict)
    return 0 if report.ok else 1
