"""Transport-neutral message types: what every channel turns its wire format into and out of."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.matcher.entities import Entities


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a person did: typed `text`, or pressed a button carrying `action`.

    `user_id` is the channel's own id for the person (a Telegram chat id, a Zalo
    follower id, a web session id). `locale` is the channel's hint for a new person;
    a person's own choice, once made, is stored and wins.
    """

    channel: str
    user_id: str
    text: str | None = None
    action: str | None = None
    locale: str | None = None
    # The channel's id for this message, when it has one (used to drop redeliveries).
    message_id: str | None = None
    # What was sent instead of text, when it was not text: "photo", "sticker", "voice"...
    attachment: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """A semantic button: channels render it their own way and send `action` back when pressed."""

    label: str
    action: str


@dataclass(frozen=True, slots=True)
class Link:
    """A web address a channel can open with one tap."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Contact:
    """A phone contact card (a hotline) that channels make tappable to call."""

    name: str
    phone: str
    role: str = ""

    @property
    def dial(self) -> str:
        """The number with only digits and a leading +, as `tel:` links and call buttons want."""
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


@dataclass(frozen=True, slots=True)
class Share:
    """Something a person may pass on: a guide or a topic, by its content id.

    Channels that can share (the web page's share button) build the link themselves.
    """

    kind: Literal["guide", "topic"]
    id: str
    title: str
    # The sharer's referral code when a volunteer shares, so that people who open the link
    # count for them (bot/volunteers); None for everyone else.
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Outbound:
    """One reply bubble: text plus optional buttons, contact cards and links."""

    text: str
    buttons: tuple[Button, ...] = ()
    contacts: tuple[Contact, ...] = ()
    links: tuple[Link, ...] = ()
    share: Share | None = None


@dataclass(frozen=True, slots=True)
class Understanding:
    """What the core made of a typed message: the topic it matched, if any, and how sure it is."""

    topic: str | None
    confidence: float
    candidates: tuple[tuple[str, float], ...] = ()
    entities: Entities = field(default_factory=Entities)


@dataclass(slots=True)
class TurnResult:
    """Everything one call of the engine produced: the replies and what it understood."""

    replies: list[Outbound] = field(default_factory=list)
    understanding: Understanding | None = None
    duplicate: bool = False
    # The person's province after the turn (None when unknown or just deleted).
    province: str | None = None
