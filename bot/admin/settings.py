"""The admin console's own settings, read from the environment like a channel's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings import SettingsError

TRUE = ("1", "true", "yes", "on")
FALSE = ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class AdminSettings:
    """`ADMIN_HTTPS`: the console is reached over https (a TLS proxy in front), so its cookies
    are marked `Secure`. `ADMIN_SESSION_HOURS`: how long a sign-in lasts (1-720, default 8)."""

    https: bool = False
    session_length: dt.timedelta = dt.timedelta(hours=8)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None) -> AdminSettings:
        """Read and check the settings; a wrong one raises SettingsError naming it."""
        env = env or {}
        raw = env.get("ADMIN_HTTPS", "").strip().lower()
        if raw not in TRUE + FALSE:
            raise SettingsError(f"ADMIN_HTTPS must be 1 or 0, not {raw!r}")
        hours_raw = env.get("ADMIN_SESSION_HOURS", "").strip() or "8"
        if not hours_raw.isdigit() or not 1 <= int(hours_raw) <= 720:
            raise SettingsError(
                f"ADMIN_SESSION_HOURS must be a whole number 1-720, not {hours_raw!r}"
            )
        return cls(https=raw in TRUE, session_length=dt.timedelta(hours=int(hours_raw)))
