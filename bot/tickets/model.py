"""What a ticket and its messages are, as the rest of the code sees them (read-only views)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from bot.messages import Outbound

TicketState = Literal["waiting", "taken", "closed"]
Direction = Literal["citizen", "operator", "system"]
# "context": a message the person typed before the hand-over, copied when it opened.
# System kinds: "opened" (announce it to the operators), "taken", "closed" (by an operator),
# "ended" (by the citizen), "undelivered" (a reply could not reach the citizen), "reminder"
# (still waiting without an answer).
MessageKind = Literal[
    "text", "context", "opened", "taken", "closed", "ended", "undelivered", "reminder"
]
RelayState = Literal["none", "pending", "sent", "skipped", "failed"]
# What an operator's action came to.
Change = Literal["done", "already", "closed", "unknown"]


@dataclass(frozen=True)
class TicketDraft:
    """What a turn knows when a person asks for a person: who, where and why."""

    user_id: int
    channel: str
    locale: str
    reason: str
    province: str | None = None
    topic: str | None = None
    guide: str | None = None
    branch: str | None = None
    step: str | None = None


@dataclass(frozen=True)
class TicketView:
    """A ticket, with the channel id of its person (to reach them)."""

    id: int
    user_id: int
    channel: str
    external_id: str
    locale: str
    reason: str
    state: TicketState
    created_at: dt.datetime
    province: str | None = None
    topic: str | None = None
    guide: str | None = None
    branch: str | None = None
    step: str | None = None
    operator: str | None = None
    desk_ref: str | None = None
    solved: bool | None = None
    taken_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    announced_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None


@dataclass(frozen=True)
class MessageView:
    """A ticket message and where its relay stands."""

    id: int
    ticket_id: int
    direction: Direction
    kind: MessageKind
    text: str
    created_at: dt.datetime
    author: str | None = None
    to_desk: RelayState = "none"
    to_citizen: RelayState = "none"
    attempts: int = 0
    reason: str | None = None
    desk_ref: str | None = None


@dataclass(frozen=True)
class FeedItem:
    """A message for a citizen's live view (the web chat): from an operator (with their
    first name) or from the helpdesk itself."""

    id: int
    sender: Literal["operator", "system"]
    name: str | None
    reply: Outbound
