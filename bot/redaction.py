"""Secrets never reach the log: a filter on every handler replaces them with [redacted].

At `LOG_LEVEL=DEBUG` libraries write what they send: httpx and python-telegram-bot log
request URLs (a Bot API URL contains the bot token) and parameters (`setWebhook` carries
the webhook secret). Rather than silencing them, every record is cleaned before it is
written: its formatted message, its traceback and its stack. What is cleaned:

- every configured secret (`SECRET_SETTINGS`, and the password in `DATABASE_URL`),
  as written and URL-encoded;
- secrets learnt while running (a generated webhook secret, Zalo's rotated tokens), which
  the code that reads them hands to `remember`;
- anything shaped like a Telegram bot token, configured or not.

Values shorter than `MIN_SECRET_CHARS` are not masked: masking "abc" everywhere would
garble the log, and such a value is no secret anyway.
"""

from __future__ import annotations

import logging
import re
import threading
import urllib.parse
from collections.abc import Iterable, Mapping

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 6
SECRET_SETTINGS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "ZALO_OA_SECRET_KEY",
    "ZALO_APP_SECRET",
    "ZALO_ACCESS_TOKEN",
    "ZALO_REFRESH_TOKEN",
    "SECRET_KEY",
)
# A Telegram bot token: the bot's id, a colon, 35 characters (core.telegram.org/bots/api
# "Authorizing your bot"); matched loosely, also with the colon URL-encoded.
BOT_TOKEN = re.compile(r"(?<!\d)\d{5,16}(?::|%3A)[A-Za-z0-9_-]{30,}")


def database_password(url: str) -> str | None:
    """The password in a database URL (`postgresql://user:password@host/db`), if any."""
    try:
        parts = urllib.parse.urlsplit(url)
        password = parts.password
    except ValueError:
        return None
    return urllib.parse.unquote(password) if password else None


def configured_secrets(env: Mapping[str, str]) -> list[str]:
    """The secrets the settings hold."""
    found = [env.get(name, "") for name in SECRET_SETTINGS]
    password = database_password(env.get("DATABASE_URL", ""))
    if password:
        found.append(password)
    return [value.strip() for value in found if value and value.strip()]


class SecretFilter(logging.Filter):
    """Replaces known secrets in a record's message, traceback and stack; never drops one."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, values: Iterable[str]) -> None:
        """Mask these values from now on (too-short ones are ignored)."""
        with self._lock:
            before = len(self._secrets)
            for value in values:
                if len(value) < MIN_SECRET_CHARS:
                    continue
                self._secrets.add(value)
                self._secrets.add(urllib.parse.quote(value, safe=""))
                self._secrets.add(urllib.parse.quote_plus(value, safe=""))
            if len(self._secrets) != before:
                # Longest first, so a secret that contains another is masked whole.
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, ordered)))

    def clean(self, text: str) -> str:
        """`text` with every known secret and every bot-token-shaped string masked."""
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        return BOT_TOKEN.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Clean the record in place (formatting its arguments first); always keep it."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: the handler will report it as usual
            return True
        cleaned = self.clean(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self.clean(record.stack_info)
        return True


# One per process: the secrets the program learns while running are added to it.
FILTER = SecretFilter()


def remember(*values: str) -> None:
    """Mask these values in every log line from now on (secrets read while running)."""
    FILTER.add(values)


def install(env: Mapping[str, str], logger: logging.Logger | None = None) -> SecretFilter:
    """Mask the configured secrets on every handler of `logger` (default: the root logger).

    Call it after the handlers are set up (`logging.basicConfig`); records of every logger
    that propagate to these handlers are cleaned.
    """
    FILTER.add(configured_secrets(env))
    handlers = list((logger or logging.getLogger()).handlers)
    if logger is None and logging.lastResort is not None:
        handlers.append(logging.lastResort)  # what prints warnings when nothing is set up
    for handler in handlers:
        if FILTER not in handler.filters:
            handler.addFilter(FILTER)
    return FILTER
