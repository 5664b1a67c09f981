"""Test doubles for live support: an operators' desk and a citizens' channel that record what
reached them, and a clock the test moves."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from bot.delivery import Outcome
from bot.engine import Engine
from bot.messages import Outbound
from bot.tickets.desk import DeskCard, DeskRetry
from bot.tickets.service import LiveSupport
from bot.tickets.settings import SupportSettings
from tests.chat import Chat

# A Wednesday, 10:00 in Vietnam: inside office hours.
WEDNESDAY_MORNING = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
# The Saturday after, 10:00 in Vietnam: outside office hours (Mon-Fri).
SATURDAY_MORNING = dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC)


@dataclass
class Clock:
    """Now, as the test says."""

    now: dt.datetime = WEDNESDAY_MORNING

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time on."""
        self.now += dt.timedelta(**delta)


@dataclass
class Post:
    """Something the desk showed: a ticket card, a reply to one, or an edit."""

    kind: str  # "ticket", "message", "update"
    ref: str
    text: str
    buttons: list[str] = field(default_factory=list)
    reply_to: str | None = None


@dataclass
class FakeDesk:
    """An operators' desk that keeps what it was shown; `down` makes it refuse."""

    posts: list[Post] = field(default_factory=list)
    down: bool = False
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    def _check(self) -> None:
        if self.down:
            raise DeskRetry(1.0, "desk down")

    async def post_ticket(self, card: DeskCard) -> str:
        self._check()
        ref = f"desk:{next(self._ids)}"
        self.posts.append(Post("ticket", ref, card.text, [b.action for b in card.buttons]))
        return ref

    async def post_message(self, ticket_ref: str, text: str) -> str:
        self._check()
        ref = f"desk:{next(self._ids)}"
        self.posts.append(Post("message", ref, text, reply_to=ticket_ref))
        return ref

    async def update_ticket(self, ticket_ref: str, card: DeskCard) -> None:
        self._check()
        buttons = [b.action for b in card.buttons]
        self.posts.append(Post("update", ticket_ref, card.text, buttons))

    def of(self, kind: str) -> list[Post]:
        """The posts of one kind, in order."""
        return [post for post in self.posts if post.kind == kind]


@dataclass
class FakeCitizens:
    """A channel that can message its people first; `outcome` is what it answers."""

    channel: str = "test"
    rate: float = 100.0
    sent: list[tuple[str, Outbound]] = field(default_factory=list)
    outcome: Outcome = field(default_factory=lambda: Outcome("sent"))

    async def deliver(self, external_id: str, message: Outbound) -> Outcome:
        if self.outcome.state == "sent":
            self.sent.append((external_id, message))
        return self.outcome

    def texts(self, external_id: str | None = None) -> list[str]:
        """What reached people (or one person)."""
        return [m.text for who, m in self.sent if external_id is None or who == external_id]


def attach_support(
    engine: Engine,
    clock: Clock,
    hours: str = "Mon-Fri 07:30-17:00",
    remind_minutes: int = 15,
    desk: FakeDesk | None = None,
    citizens: FakeCitizens | None = None,
    operator_locale: str = "en",
) -> LiveSupport:
    """Live support on an engine without a server: the fake desk and channel wired in; the
    operators read English, so the tests can read what they see."""
    settings = SupportSettings.from_env(
        {"SUPPORT_HOURS": hours, "SUPPORT_REMIND_MINUTES": str(remind_minutes)}
    )
    support = LiveSupport(
        engine.database, engine.content, engine.catalogs, settings, operator_locale, (), clock
    )
    if desk is not None:
        support.add_desk(desk)
    citizens = citizens or FakeCitizens()
    support.reach_citizens(citizens.channel, citizens)
    engine.responder.support = support
    return support


def signed(support: LiveSupport, name: str, text: str) -> str:
    """An operator's answer as a Vietnamese citizen reads it."""
    return support.gettext("vi")("👤 {name} (support staff):").format(name=name) + "\n" + text


async def handed_over(chat: Chat) -> None:
    """Bring a Sóc Trăng person to the hand-over (asked for a person) and open a ticket."""
    await chat.tap("p:soc-trang")
    await chat.say("cho tôi số hỗ trợ")
    await chat.press("💬")
