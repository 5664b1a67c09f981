"""What a channel that can message people first offers the broadcast sender: `deliver` one
message and say what became of it (`Outcome`), and optionally keep an admin's progress
message up to date."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from bot.messages import Outbound

OutcomeState = Literal["sent", "retry", "failed", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """What a channel did with one message: "sent", "retry" (after `retry_after` seconds),
    "failed" or "skipped" (with the reason, e.g. "blocked", "not_follower"). `unreachable`
    says the person can no longer be reached there (blocked the bot): the sender records it
    with the outcome, in the same write."""

    state: OutcomeState
    reason: str | None = None
    retry_after: float = 0.0
    unreachable: bool = False


class Deliverer(Protocol):
    """A channel that can send a message to a person without being asked."""

    channel: str
    rate: float  # messages per second the channel allows for bulk sends

    async def deliver(self, external_id: str, message: Outbound) -> Outcome:
        """Send one message; never raises for a delivery problem, says so in the Outcome."""
        ...


@runtime_checkable
class ProgressShower(Protocol):
    """A channel that can keep an admin's progress message up to date."""

    async def show_progress(self, external_id: str, ref: str | None, text: str) -> str | None:
        """Post `text` (ref None) or edit the message `ref`; the message's ref, or None."""
        ...
