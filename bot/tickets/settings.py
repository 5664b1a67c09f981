"""Live support settings, read from the environment; a wrong one names itself at start.

The operators' desk is a channel's business (the Telegram channel reads
OPERATOR_TELEGRAM_CHAT_ID); these are the core's: when staff work, when to remind them, and
whether citizens are offered a person at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.settings import SettingsError, whole_number
from bot.tickets.hours import OfficeHours

DEFAULT_HOURS = "Mon-Fri 07:30-17:00"
LiveMode = Literal["auto", "on", "off"]
MODES: tuple[LiveMode, ...] = ("auto", "on", "off")


@dataclass(frozen=True)
class SupportSettings:
    """`mode`: "auto" offers a person when an operators' desk is set up (the Telegram
    group), "on" always (operators answer from the admin pages), "off" never.
    `remind_minutes`: a ticket without an answer is announced again this often (0: never)."""

    hours: OfficeHours = field(default_factory=lambda: OfficeHours.parse(DEFAULT_HOURS))
    remind_minutes: int = 15
    mode: LiveMode = "auto"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SupportSettings:
        """SUPPORT_HOURS, SUPPORT_REMIND_MINUTES and LIVE_SUPPORT."""
        raw_mode = env.get("LIVE_SUPPORT", "").strip().lower() or "auto"
        mode = next((m for m in MODES if m == raw_mode), None)
        if mode is None:
            raise SettingsError(f"LIVE_SUPPORT must be auto, on or off, not {raw_mode!r}")
        return cls(
            hours=OfficeHours.parse(env.get("SUPPORT_HOURS", "").strip() or DEFAULT_HOURS),
            remind_minutes=whole_number(env, "SUPPORT_REMIND_MINUTES", 15, 0, 24 * 60),
            mode=mode,
        )
