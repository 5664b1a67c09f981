"""Telegram settings, from the environment; a wrong one stops the start and names itself."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings import SettingsError, rate

TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
# Telegram: secret_token is 1-256 characters of A-Z a-z 0-9 _ - (Bot API, setWebhook); we
# ask for at least 32, so that guessing it is hopeless (secrets.token_urlsafe(32) gives 43).
SECRET = re.compile(r"^[A-Za-z0-9_-]{32,256}$")
MIN_SECRET = 32
DEFAULT_API = "https://api.telegram.org/bot"
WEBHOOK_PATH = "/telegram/webhook"


@dataclass(frozen=True)
class TelegramSettings:
    """What the Telegram channel needs; it is on when a token is set."""

    token: str
    api_base_url: str = DEFAULT_API
    webhook_url: str | None = None
    # None with a webhook: generated at the first start and kept in the database (secret.py).
    webhook_secret: str | None = None
    send_attempts: int = 4
    broadcast_rate: float = 25.0
    # Telegram allows about 30 bulk messages per second; with allow_paid_broadcast (paid in
    # Telegram Stars) up to 1,000 (docs/facts.md §7).
    paid_broadcast: bool = False
    # The operators' group (live support, channels/telegram/operators.py): its chat id.
    operator_chat_id: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TelegramSettings | None:
        """The settings, or None when TELEGRAM_BOT_TOKEN is not set (the channel stays off)."""
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            return None
        if not TOKEN.match(token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (digits:letters, from BotFather)"
            )
        webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
        secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
        if webhook_url is not None and not webhook_url.startswith(
            ("https://", "http://127.0.0.1", "http://localhost")
        ):
            raise SettingsError("TELEGRAM_WEBHOOK_URL must be an https:// address")
        if secret is not None and not SECRET.match(secret):
            raise SettingsError(
                f"TELEGRAM_WEBHOOK_SECRET must be {MIN_SECRET}-256 characters of A-Z a-z 0-9 _ - "
                f"(it has {len(secret)} characters); leave it unset to have one generated"
            )
        return cls(
            broadcast_rate=rate(env, "TELEGRAM_BROADCAST_RATE", 25.0),
            paid_broadcast=env.get("TELEGRAM_PAID_BROADCAST", "").strip().lower()
            in ("1", "true", "yes"),
            token=token,
            api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip() or DEFAULT_API,
            webhook_url=webhook_url,
            webhook_secret=secret,
            operator_chat_id=_operator_chat(env),
        )


def _operator_chat(env: Mapping[str, str]) -> int | None:
    """OPERATOR_TELEGRAM_CHAT_ID: the operators' group (a group's id is negative)."""
    raw = env.get("OPERATOR_TELEGRAM_CHAT_ID", "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"-\d{5,20}", raw):
        raise SettingsError(
            "OPERATOR_TELEGRAM_CHAT_ID must be the operators' group's chat id, a negative "
            f"number such as -1001234567890, not {raw!r}"
        )
    return int(raw)
