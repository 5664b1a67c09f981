"""Zalo settings from the environment; the channel is on when the app id and OA secret are set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings import SettingsError, rate

DEFAULT_API = "https://openapi.zalo.me"
DEFAULT_OAUTH = "https://oauth.zaloapp.com"
WEBHOOK_PATH = "/zalo/webhook"


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
        for name in ("ZALO_API_BASE_URL", "ZALO_OAUTH_BASE_URL"):
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
            api_base_url=(env.get("ZALO_API_BASE_URL", "").strip() or DEFAULT_API).rstrip("/"),
            oauth_base_url=(env.get("ZALO_OAUTH_BASE_URL", "").strip() or DEFAULT_OAUTH).rstrip(
                "/"
            ),
        )


def _base(env: Mapping[str, str], name: str, default: str) -> str:
    return (env.get(name, "").strip() or default).rstrip("/")
