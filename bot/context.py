"""What a handler gets: the message, the person, their state, the content, and a reply list."""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.channel_profile import ChannelProfile
from bot.content import Content
from bot.matcher import Understander
from bot.messages import Button, Contact, Inbound, Link, Outbound, Share, Understanding
from bot.state import ConversationState

if TYPE_CHECKING:
    from bot.storage.database import Transaction
    from bot.tickets.service import LiveSupport


@dataclass
class Person:
    """The stored facts about a person that handlers may read and change."""

    id: int
    channel: str
    external_id: str
    province: str | None
    locale: str
    role: str
    is_new: bool = False
    subscribed: bool = True


@dataclass(frozen=True)
class EventRecord:
    """An analytics event a handler wants written with this turn."""

    kind: str
    topic: str | None = None
    guide: str | None = None
    step: str | None = None
    confidence: float | None = None
    detail: str | None = None


@dataclass
class Context:
    """One turn of the conversation. Handlers read from it and append replies and events."""

    inbound: Inbound
    person: Person
    state: ConversationState
    content: Content
    understander: Understander
    catalogs: dict[str, gettext.NullTranslations]
    channels: tuple[ChannelProfile, ...] = ()
    text: str = ""
    problem: str | None = None
    replies: list[Outbound] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    understanding: Understanding | None = None
    delete_person: bool = False
    # The turn's own transaction, for the few flows that read or write more than the
    # person's state (an admin creating a broadcast); most handlers never touch it.
    storage: Transaction | None = None
    # Live support (bot/tickets): None where there is none (`helpdesk ask`, the terminal).
    support: LiveSupport | None = None
    # Called once the turn is committed (to wake a worker that sends what the turn wrote).
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    # The language of this turn's replies when the message was written in another language
    # than the person's (an English question in a Vietnamese session); not stored.
    turn_locale: str | None = None

    @property
    def locale(self) -> str:
        """The language of this turn's replies: the message's own, else the person's."""
        return self.turn_locale or self.person.locale

    def _(self, message: str) -> str:
        """Translate an interface string into the person's language."""
        catalog = self.catalogs.get(self.locale) or self.catalogs.get("vi")
        return catalog.gettext(message) if catalog else message

    def reply(
        self,
        text: str,
        buttons: Iterable[Button] = (),
        contacts: Iterable[Contact] = (),
        links: Iterable[Link] = (),
        share: Share | None = None,
    ) -> None:
        """Add a reply bubble."""
        self.replies.append(
            Outbound(
                text=text,
                buttons=tuple(buttons),
                contacts=tuple(contacts),
                links=tuple(links),
                share=share,
            )
        )

    def record(self, kind: str, **fields: str | float | None) -> None:
        """Write an analytics event with this turn (kind: understood, guide_started, ...)."""
        self.events.append(EventRecord(kind=kind, **fields))  # type: ignore[arg-type]
