"""The buttons of live support that the core itself builds (bot/actions.py is the codec).

Operators' buttons (take, close) travel on the desk's ticket message; the citizen's "was it
solved?" buttons on the message that says a ticket was closed. The citizen's other buttons
(chat with staff, end the chat) belong to the flows (handlers/actions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.actions import Action, split

YesNo = Literal["yes", "no"]


@dataclass(frozen=True, slots=True)
class TakeTicket(Action):
    """An operator takes ticket `ticket`."""

    prefix = "op:take"
    ticket: str


@dataclass(frozen=True, slots=True)
class CloseTicket(Action):
    """An operator closes ticket `ticket`."""

    prefix = "op:close"
    ticket: str


@dataclass(frozen=True, slots=True)
class RateTicket(Action):
    """The citizen's answer to "was your problem solved?" after ticket `ticket` closed."""

    prefix = "sp:solved"
    ticket: str
    answer: YesNo


OperatorAction = TakeTicket | CloseTicket


def read_operator_action(data: str) -> OperatorAction | None:
    """An operator's button, or None when `data` is not one (or is malformed)."""
    parsed = split(data)
    if parsed is None or parsed[0] != "op" or not parsed[1]:
        return None
    sub, parts = parsed[1][0], parsed[1][1:]
    action: OperatorAction | None
    match sub:
        case "take":
            action = TakeTicket.unpack(parts)
        case "close":
            action = CloseTicket.unpack(parts)
        case _:
            return None
    return action if action is not None and action.ticket.isdigit() else None
