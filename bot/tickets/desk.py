"""The operators' desk: where tickets are announced and operators answer them.

A channel implements it (the Telegram channel, in a group of operators, when
OPERATOR_TELEGRAM_CHAT_ID is set) and registers it with the live support service; the core
never names the channel. The core writes the texts (bot/tickets/render.py), in the
operators' language; the desk only shows them. A `ref` is the desk's own id of a message it
posted ("<chat id>:<message id>"), stored so that an operator's reply to it finds its ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.messages import Button


@dataclass(frozen=True)
class DeskCard:
    """A ticket as the operators see it: its text, and its buttons (take, close; none once
    closed)."""

    text: str
    buttons: Sequence[Button] = ()


class DeskRetry(Exception):
    """The desk cannot take a message now (its platform is away or asks to wait)."""

    def __init__(self, after: float = 0.0, why: str = "") -> None:
        super().__init__(why or "the desk cannot post now")
        self.after = after


class OperatorDesk(Protocol):
    """Where operators see tickets. Each method raises DeskRetry (or any error) when the
    message did not get there: the relay tries again later, nothing is lost."""

    async def post_ticket(self, card: DeskCard) -> str:
        """Announce a new ticket; the ref of its message."""
        ...

    async def post_message(self, ticket_ref: str, text: str) -> str:
        """Post a message about the ticket announced at `ticket_ref` (as a reply to it)."""
        ...

    async def update_ticket(self, ticket_ref: str, card: DeskCard) -> None:
        """Show a ticket's new state on its announcement (taken, closed)."""
        ...
