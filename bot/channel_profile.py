"""What a channel tells the core about itself: its name, limits, admins, pacing and words.

The core, the flows, the CLI and `helpdesk content check` read these instead of naming a
channel, so that adding a channel touches only `channels/<name>/` and one entry-point line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChannelLimits:
    """What one message may hold on a channel."""

    text: int = 4096  # characters of text per message
    buttons: int = 12  # buttons per message
    label: int = 60  # characters per button label
    action_bytes: int | None = None  # bytes of a button's action, when the wire limits it


@dataclass(frozen=True)
class ChannelProfile:
    """A channel's declaration. `label` (its name as people know it, "Telegram") is set only
    for channels that can message people first, which makes them broadcast targets."""

    name: str
    label: str = ""
    limits: ChannelLimits = field(default_factory=ChannelLimits)
    # The environment variable listing this channel's admin ids (numbers, comma-separated).
    admin_setting: str | None = None
    # Messages can reach a person only this long after they last wrote (Zalo: 48 hours).
    reply_window: dt.timedelta | None = None
    # Reasons this channel gives for skipping a delivery, in words for the admin (N_ msgids).
    skip_reasons: Mapping[str, str] = field(default_factory=dict)

    @property
    def can_broadcast(self) -> bool:
        """True for channels that can message people first."""
        return bool(self.label)


def broadcast_text_limit(profiles: tuple[ChannelProfile, ...]) -> int:
    """The longest broadcast text every broadcasting channel can carry in one message."""
    limits = [profile.limits.text for profile in profiles if profile.can_broadcast]
    return min(limits, default=ChannelLimits().text)
