"""The narrow port: what a channel may ask of the conversation core.

A channel gets a `Core` (the engine satisfies it), never the engine itself: it hands over
messages, reports people it cannot reach, and reads the content. Storage a channel needs is
handed to it separately (`bot.storage.channel_store.ChannelStore`).
"""

from __future__ import annotations

import gettext
from typing import Protocol

from bot.content import Content
from bot.matcher import Understander
from bot.messages import Inbound, Outbound, TurnResult


class Core(Protocol):
    """The conversation core as a channel sees it."""

    @property
    def content(self) -> Content:
        """The knowledge base (read only)."""
        ...

    @property
    def understander(self) -> Understander:
        """The matcher, for channels that search content (Telegram's inline queries)."""
        ...

    @property
    def catalogs(self) -> dict[str, gettext.NullTranslations]:
        """The interface strings, per locale."""
        ...

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Replies to one message or button press."""
        ...

    async def handle_turn(self, inbound: Inbound, province: str | None = None) -> TurnResult:
        """Replies plus what was understood; a redelivered message gets no replies."""
        ...

    async def handle_visit(self, inbound: Inbound) -> TurnResult:
        """A page opened: a known person's turn, a stranger greeted without storing anything."""
        ...

    async def mark_unreachable(self, channel: str, user_id: str) -> None:
        """The channel could not deliver to this person (blocked the bot, unfollowed)."""
        ...

    async def set_subscribed(self, channel: str, user_id: str, subscribed: bool) -> None:
        """Reminders on or off for a person, when the channel says so."""
        ...
