"""Live support: tickets opened from a conversation, operators' answers, and who relays them.

One service per server (`bot/server.py` builds it and hands it to the flows through the
engine, and to the channels through the `Host`). Flows open tickets and add the citizen's
messages inside the turn's transaction; operators (the desk, the admin pages) act in
transactions of their own. Either way, what the other side must hear of is written with the
change, marked "to relay", and `wake()` tells the relay (relay.py) once it is committed.
The service never names a channel: the desk (`OperatorDesk`) and the citizens' channels
(`Deliverer`s, by channel name) register themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gettext
from collections.abc import Callable, Mapping, Sequence

from bot.channel_profile import ChannelProfile
from bot.content import Content
from bot.delivery import Deliverer
from bot.settings import Settings
from bot.storage import Database
from bot.storage.database import Transaction
from bot.storage.models import utcnow
from bot.tickets import queries, store
from bot.tickets.desk import OperatorDesk
from bot.tickets.model import Change, FeedItem, TicketDraft, TicketState
from bot.tickets.render import DeskWords, citizen_reply
from bot.tickets.scrub import public_numbers, scrub
from bot.tickets.settings import SupportSettings

# Earlier messages of the person copied into a new ticket, for the operators.
CONTEXT_MESSAGES = 5
MAX_NAME = 64
MAX_REPLY = 4000


class LiveSupport:
    """Tickets, and the wiring between the flows, the operators' desk and the channels."""

    def __init__(
        self,
        database: Database,
        content: Content,
        catalogs: Mapping[str, gettext.NullTranslations],
        settings: SupportSettings | None = None,
        operator_locale: str = "vi",
        profiles: Sequence[ChannelProfile] = (),
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.database = database
        self.content = content
        self.catalogs = catalogs
        self.settings = settings or SupportSettings()
        self.operator_locale = operator_locale
        self.profiles = tuple(profiles)
        self.clock = clock
        self.desk: OperatorDesk | None = None
        # The channels that can bring an operator's answer to a citizen, by channel name.
        self.citizens: dict[str, Deliverer] = {}
        self.keep = public_numbers(content)
        self._work = asyncio.Event()

    @classmethod
    def from_settings(
        cls,
        database: Database,
        content: Content,
        catalogs: Mapping[str, gettext.NullTranslations],
        settings: Settings,
        profiles: Sequence[ChannelProfile] = (),
    ) -> LiveSupport:
        """The service as the settings say (SettingsError names a wrong one); operators
        read it in the default language."""
        support = SupportSettings.from_env(settings.env or {})
        return cls(database, content, catalogs, support, settings.default_locale, profiles)

    # --- wiring --------------------------------------------------------------------------

    def add_desk(self, desk: OperatorDesk) -> None:
        """Where operators see tickets (one desk)."""
        self.desk = desk

    def reach_citizens(self, channel: str, deliverer: Deliverer) -> None:
        """A channel that can bring operators' answers to its people."""
        self.citizens[channel] = deliverer

    @property
    def enabled(self) -> bool:
        """Whether people are offered a person at all (LIVE_SUPPORT, and a desk for auto)."""
        match self.settings.mode:
            case "on":
                return True
            case "off":
                return False
            case "auto":
                return self.desk is not None

    @property
    def announce(self) -> bool:
        """Whether tickets and messages go to an operators' desk."""
        return self.desk is not None

    def offered(self, channel: str) -> bool:
        """Whether a person on `channel` can be handed to staff (and get their answers)."""
        return self.enabled and channel in self.citizens

    def now(self) -> dt.datetime:
        """The service's clock (injected in tests)."""
        return self.clock()

    def staffed(self) -> bool:
        """True during office hours."""
        return self.settings.hours.is_open(self.now())

    def gettext(self, locale: str) -> Callable[[str], str]:
        """The interface strings of a language."""
        catalog = self.catalogs.get(locale) or self.catalogs.get("vi")
        return catalog.gettext if catalog is not None else str

    def desk_words(self) -> DeskWords:
        """How tickets are written for the operators, in their language."""
        locale = self.operator_locale
        return DeskWords(self.gettext(locale), locale, self.content, self.profiles)

    def wake(self) -> None:
        """Tell the relay there is something to send (call it after the commit)."""
        self._work.set()

    async def wait_for_work(self, stopping: asyncio.Event, timeout: float) -> None:
        """Wait until woken, stopping, or `timeout` seconds (for the relay)."""
        waits = [asyncio.ensure_future(self._work.wait()), asyncio.ensure_future(stopping.wait())]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiting
        self._work.clear()

    # --- inside a turn (the turn's transaction) ------------------------------------------

    async def open(self, transaction: Transaction, draft: TicketDraft) -> tuple[int, bool]:
        """Open a ticket for the person, or find the one they have open: (id, new?)."""
        existing = await transaction.call(store.open_ticket_of, draft.user_id)
        if existing is not None:
            return existing, False
        opened = await transaction.call(
            store.open_ticket, draft, self.now(), CONTEXT_MESSAGES, self.keep, self.announce
        )
        return opened, True

    async def state(self, transaction: Transaction, ticket_id: int) -> TicketState | None:
        """Where a ticket stands (None: gone, e.g. purged with its person)."""
        return await transaction.call(store.ticket_state, ticket_id)

    async def write(self, transaction: Transaction, ticket_id: int, text: str) -> int:
        """Add what the citizen typed (numbers masked); how many they had written before."""
        before = await transaction.call(store.citizen_texts, ticket_id)
        await transaction.call(
            store.add_message,
            ticket_id,
            "citizen",
            "text",
            self.now(),
            text=scrub(text, self.keep),
            to_desk="pending" if self.announce else "none",
        )
        return before

    async def end(self, transaction: Transaction, ticket_id: int) -> Change:
        """The citizen ends the chat (the desk hears of it)."""
        return await transaction.call(store.close, ticket_id, self.now(), None, self.announce)

    async def rate(
        self, transaction: Transaction, ticket_id: int, user_id: int, solved: bool
    ) -> bool:
        """Record whether the closed ticket solved the person's problem."""
        return await transaction.call(store.rate, ticket_id, user_id, solved)

    # --- operators (the desk, the admin pages) -------------------------------------------

    async def take(self, ticket_id: int, operator: str) -> Change:
        """An operator (first name) takes a ticket."""
        change = await self.database.run(
            store.take, ticket_id, operator[:MAX_NAME], self.now(), self.announce
        )
        self.wake()
        return change

    async def reply(
        self, ticket_id: int, operator: str, text: str, desk_ref: str | None = None
    ) -> Change:
        """An operator's answer for the citizen; `desk_ref` when it was written on the desk."""
        change = await self.database.run(
            store.reply,
            ticket_id,
            operator[:MAX_NAME],
            scrub(text.strip()[:MAX_REPLY], self.keep),
            self.now(),
            desk_ref,
            self.announce,
        )
        self.wake()
        return change

    async def close(self, ticket_id: int, operator: str) -> Change:
        """An operator closes a ticket; the citizen is asked whether it was solved."""
        change = await self.database.run(
            store.close, ticket_id, self.now(), operator[:MAX_NAME], self.announce
        )
        self.wake()
        return change

    async def ticket_for_ref(self, ref: str) -> int | None:
        """The ticket a desk message belongs to (its announcement or a relayed message)."""
        return await self.database.run(queries.ticket_by_ref, ref)

    # --- the citizen's live view (channels that show answers as they come) ---------------

    async def feed(
        self, channel: str, external_id: str, after: int = 0
    ) -> tuple[list[FeedItem], int, bool]:
        """What operators (and the helpdesk) wrote for a person after message `after`, the
        `after` to ask with next time, and whether a chat is still open."""
        rows, cursor, live = await self.database.run(queries.live_feed, channel, external_id, after)
        items = [
            FeedItem(
                id=message.id,
                sender="operator" if message.direction == "operator" else "system",
                name=message.author if message.direction == "operator" else None,
                reply=citizen_reply(message, message.ticket_id, self.gettext(locale), False),
            )
            for message, locale in rows
        ]
        return items, cursor, live
