"""Zalo settings from the environment; the channel is on when the app id and OA secret are set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.settings import SettingsError, rate
from bot.storage.retention import HANDLED_EVENTS_KEPT

DEFAULT_API = "https://openapi.zalo.me"
DEFAULT_OAUTH = "https://oauth.zaloapp.com"
WEBHOOK_PATH = "/zalo/webhook"
ButtonMode = Literal["template", "numbered"]
# Why numbered by default: wire.py ("Buttons on a consultation message").
DEFAULT_BUTTONS: ButtonMode = "numbered"
DEFAULT_EVENT_MAX_AGE = 600.0
# An event may be at most this old: no longer than redelivered ids are remembered (the inbox
# keeps handled ids a day, the core a week), so a replay is always caught by one or the other.
MIN_EVENT_MAX_AGE, MAX_EVENT_MAX_AGE = 30.0, HANDLED_EVENTS_KEPT.total_seconds()


@dataclass(frozen=True)
class ZaloSettings:
    """What the Zalo channel needs. Tokens may come from here or from the database."""

    app_id: str
    oa_secret_key: str
    app_secret: str = ""
    access_token: str = ""
    refresh_token: str = ""
    api_base_url: str = DEFAULT_API
    oauth_base_url: str = DEFAULT_OAUTH
    send_attempts: int = 4
    broadcast_rate: float = 10.0
    buttons: ButtonMode = DEFAULT_BUTTONS
    event_max_age: float = DEFAULT_EVENT_MAX_AGE
    # Public address of our webhook, only for `helpdesk zalo check` to probe it.
    webhook_url: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ZaloSettings | None:
        """The settings, or None when ZALO_APP_ID and ZALO_OA_SECRET_KEY are not both set."""
        app_id = env.get("ZALO_APP_ID", "").strip()
        secret = env.get("ZALO_OA_SECRET_KEY", "").strip()
        if not app_id and not secret:
            return None
        if not app_id or not secret:
            missing = "ZALO_APP_ID" if not app_id else "ZALO_OA_SECRET_KEY"
            raise SettingsError(f"{missing} must be set too: the Zalo channel needs both")
        if not app_id.isdigit():
            raise SettingsError("ZALO_APP_ID must be the numeric app id from developers.zalo.me")
        for name in ("ZALO_API_BASE_URL", "ZALO_OAUTH_BASE_URL", "ZALO_WEBHOOK_URL"):
            value = env.get(name, "").strip()
            if value and not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
                raise SettingsError(f"{name} must be an https:// address")
        return cls(
            broadcast_rate=rate(env, "ZALO_BROADCAST_RATE", 10.0),
            app_id=app_id,
            oa_secret_key=secret,
            app_secret=env.get("ZALO_APP_SECRET", "").strip(),
            access_token=env.get("ZALO_ACCESS_TOKEN", "").strip(),
            refresh_token=env.get("ZALO_REFRESH_TOKEN", "").strip(),
            api_base_url=_base(env, "ZALO_API_BASE_URL", DEFAULT_API),
            oauth_base_url=_base(env, "ZALO_OAUTH_BASE_URL", DEFAULT_OAUTH),
            buttons=_buttons(env),
            event_max_age=_max_age(env),
            webhook_url=env.get("ZALO_WEBHOOK_URL", "").strip(),
        )


def _base(env: Mapping[str, str], name: str, default: str) -> str:
    return (env.get(name, "").strip() or default).rstrip("/")


def _buttons(env: Mapping[str, str]) -> ButtonMode:
    value = env.get("ZALO_BUTTONS", "").strip().lower() or DEFAULT_BUTTONS
    if value == "template":
        return "template"
    if value == "numbered":
        return "numbered"
    raise SettingsError(f"ZALO_BUTTONS must be template or numbered, not {value!r}")


def _max_age(env: Mapping[str, str]) -> float:
    raw = env.get("ZALO_EVENT_MAX_AGE_SECONDS", "").strip()
    if not raw:
        return DEFAULT_EVENT_MAX_AGE
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"ZALO_EVENT_MAX_AGE_SECONDS must be a number, not {raw!r}") from None
    if not MIN_EVENT_MAX_AGE <= value <= MAX_EVENT_MAX_AGE:
        raise SettingsError(
            f"ZALO_EVENT_MAX_AGE_SECONDS must be between {MIN_EVENT_MAX_AGE:.0f} and "
            f"{MAX_EVENT_MAX_AGE:.0f} (how long redelivered event ids are remembered)"
        )
    return value
