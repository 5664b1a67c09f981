"""Secrets never reach the log, even at DEBUG through the libraries' own loggers."""

from __future__ import annotations

import io
import logging
import urllib.parse
from collections.abc import Iterator

import pytest
import telegram

from bot.cli import _configure_logging
from bot.redaction import REDACTED, SecretFilter, database_password, install, remember
from bot.settings import Settings
from tests.fake_telegram import FakeBotAPI

TOKEN = "987654321:AAHsecretTOKENsecretTOKENsecretTOKEN12"
WEBHOOK_SECRET = "wEbHoOk-SeCrEt-0123456789abcdefghijklmnop"
ZALO_SECRET = "zalo-oa-secret-key-Qw7#e/r+t"
DB_PASSWORD = "p@ss:w0rd/Secret"
SETTINGS_ENV = {
    "TELEGRAM_BOT_TOKEN": TOKEN,
    "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "ZALO_OA_SECRET_KEY": ZALO_SECRET,
    "DATABASE_URL": (
        f"postgresql+asyncpg://helpdesk:{urllib.parse.quote(DB_PASSWORD, safe='')}"
        "@127.0.0.1:5432/helpdesk"
    ),
    "LOG_LEVEL": "DEBUG",
}
ALL_SECRETS = (TOKEN, WEBHOOK_SECRET, ZALO_SECRET, DB_PASSWORD)


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """The program's logging set up as `helpdesk serve` does, at DEBUG, into a buffer."""
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    saved = {name: logging.getLogger(name).level for name in ("", "httpx", "httpcore")}
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    _configure_logging(Settings.from_env(SETTINGS_ENV))
    # The program quiets httpx; turn it back on to show masking does not depend on that.
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    logging.getLogger("httpcore").setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    for other in root.handlers:
        for each in list(other.filters):
            if isinstance(each, SecretFilter):
                other.removeFilter(each)
    for name, level in saved.items():
        logging.getLogger(name or None).setLevel(level)


def leaked(text: str) -> list[str]:
    """The secrets (as written or URL-encoded) found in `text`."""
    forms = {form for s in ALL_SECRETS for form in (s, urllib.parse.quote(s, safe=""))}
    return sorted(form for form in forms if form in text)


async def test_debug_lines_of_telegram_and_httpx_carry_no_secret(
    log_output: io.StringIO,
) -> None:
    fake = FakeBotAPI(token=TOKEN)
    base_url = await fake.start()
    try:
        async with telegram.Bot(TOKEN, base_url=base_url) as bot:
            await bot.set_webhook(
                "https://example.invalid/telegram/webhook", secret_token=WEBHOOK_SECRET
            )
    finally:
        await fake.stop()
    assert fake.webhook is not None and fake.webhook["secret_token"] == WEBHOOK_SECRET
    text = log_output.getvalue()
    # The lines that used to leak were written, and masked.
    assert "Calling Bot API endpoint `setWebhook`" in text
    assert "HTTP Request: POST" in text, "httpx wrote its request line (with the URL)"
    assert REDACTED in text
    assert leaked(text) == []


def test_messages_arguments_and_tracebacks_are_masked(log_output: io.StringIO) -> None:
    log = logging.getLogger("bot.storage.database")
    url = SETTINGS_ENV["DATABASE_URL"]
    log.debug("connecting to %s", url)
    logging.getLogger("channels.zalo").warning("signed with %s", ZALO_SECRET)
    try:
        raise ConnectionError(f"cannot reach {url} (token {TOKEN})")
    except ConnectionError:
        logging.getLogger("bot.server").exception("database unreachable")
    text = log_output.getvalue()
    assert "connecting to postgresql+asyncpg://helpdesk:" in text
    assert "ConnectionError: cannot reach" in text, "the traceback is kept, masked"
    assert leaked(text) == []


def test_secrets_learnt_while_running_are_masked(log_output: io.StringIO) -> None:
    rotated = "zalo-rotated-access-token-0000111122223333"
    logger = logging.getLogger("channels.zalo.client")
    logger.info("before: %s", rotated)
    remember(rotated)
    logger.info("after: %s", rotated)
    lines = log_output.getvalue().splitlines()
    assert f"INFO channels.zalo.client: before: {rotated}" in lines
    assert f"INFO channels.zalo.client: after: {REDACTED}" in lines


def test_short_values_and_bot_token_shapes() -> None:
    secrets = SecretFilter()
    secrets.add(["abc", "long-enough-secret"])
    assert secrets.clean("abc long-enough-secret") == f"abc {REDACTED}"
    other_bot = "1234567:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    assert secrets.clean(f"/bot{other_bot}/getMe") == f"/bot{REDACTED}/getMe"
    assert database_password("sqlite:///var/helpdesk.db") is None
    assert database_password("postgresql://u:p%40ss@h/db") == "p@ss"


def test_commands_that_set_up_no_logging_mask_too() -> None:
    app_secret = "zalo-app-secret-5678901234"
    install({"ZALO_APP_SECRET": app_secret})
    assert logging.lastResort is not None
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, "refresh with %s", (app_secret,), None
    )
    assert logging.lastResort.filter(record)
    assert record.getMessage() == f"refresh with {REDACTED}"
