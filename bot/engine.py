"""The conversation core: `handle(inbound) -> list[Outbound]`, the same for every channel.

One turn is one database transaction: load (and lock) the person and their state, run the
handlers in memory, then write the new state, events and message log together. Nothing lives
in process memory between turns, so any number of processes can share one database.
"""

from __future__ import annotations

import gettext
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.channel_profile import ChannelProfile
from bot.content import Content
from bot.context import Context, Person
from bot.guard.flood import Rate, TokenBuckets
from bot.i18n import N_
from bot.matcher import Understander
from bot.messages import Inbound, Outbound, TurnResult
from bot.router import Handler, Router
from bot.sanitize import CleanText, clean_text
from bot.state import ConversationState

if TYPE_CHECKING:  # storage (SQLAlchemy) is imported only by what stores: `ask` never does
    from bot.storage import Database, turns
    from bot.storage.database import Transaction
    from bot.tickets.service import LiveSupport

log = logging.getLogger(__name__)

MAX_LOGGED_TEXT = 500


@dataclass
class EngineOptions:
    """How the engine behaves where deployments differ."""

    default_locale: str = "vi"
    message_retention_days: int = 30
    admins: frozenset[str] = frozenset()
    # The installed channels' declarations (limits, labels), for the flows that need them.
    channels: tuple[ChannelProfile, ...] = ()
    # How fast one person may write, on any channel (0 per minute: no limit).
    person_rate: Rate = field(default_factory=lambda: Rate(60, 20))


class Responder:
    """The in-memory half of a turn: a person, their state and a message in, replies out.

    `Engine` runs it inside a database transaction; `helpdesk ask` uses it alone, answering
    each question as a brand-new person and storing nothing.
    """

    def __init__(
        self,
        content: Content,
        understander: Understander,
        router: Router,
        catalogs: dict[str, gettext.NullTranslations],
        bad_input: Handler,
        options: EngineOptions | None = None,
    ) -> None:
        self.content = content
        self.understander = understander
        self.router = router
        self.catalogs = catalogs
        self.bad_input = bad_input
        self.options = options or EngineOptions()
        # Live support (bot/tickets), when the server offers it (bot/server.py sets it).
        self.support: LiveSupport | None = None

    @staticmethod
    def clean(inbound: Inbound) -> CleanText | None:
        """The typed text made safe to read (None for a button press)."""
        cleaned = clean_text(inbound.text) if inbound.action is None else None
        if cleaned is not None and inbound.attachment is not None and not cleaned.text:
            cleaned = CleanText("", "attachment")
        return cleaned

    def locale_hint(self, inbound: Inbound) -> str:
        """The language a new person starts in: the channel's hint, else the default."""
        if inbound.locale in self.content.locales:
            return inbound.locale
        return self.options.default_locale

    def role(self, inbound: Inbound, stored: str) -> str:
        """Admins are who the settings say, now; anyone else keeps their stored role."""
        if f"{inbound.channel}:{inbound.user_id}" in self.options.admins:
            return "admin"
        return "citizen" if stored == "admin" else stored

    async def respond(
        self,
        inbound: Inbound,
        person: Person,
        state: ConversationState,
        cleaned: CleanText | None,
        storage: Transaction | None = None,
    ) -> Context:
        """Run the handlers for one message; the context holds the replies and changes."""
        ctx = Context(
            inbound=inbound,
            person=person,
            state=state,
            content=self.content,
            understander=self.understander,
            catalogs=self.catalogs,
            channels=self.options.channels,
            text=cleaned.text if cleaned else "",
            problem=cleaned.problem if cleaned else None,
            storage=storage,
            support=self.support if storage is not None else None,
        )
        if cleaned is not None and cleaned.problem is not None:
            await self.bad_input(ctx)
        else:
            await self.router.dispatch(ctx)
        if cleaned is not None and cleaned.truncated:
            note = ctx._("Your message was long, so I read its beginning.")
            ctx.replies.insert(0, Outbound(note))
        return ctx

    async def answer_new_person(self, inbound: Inbound, province: str | None = None) -> TurnResult:
        """Replies to a first message from someone the bot has never met; nothing is stored."""
        person = Person(
            id=0,
            channel=inbound.channel,
            external_id=inbound.user_id,
            province=province,
            locale=self.locale_hint(inbound),
            role=self.role(inbound, "citizen"),
            is_new=True,
        )
        ctx = await self.respond(inbound, person, ConversationState(), self.clean(inbound))
        return TurnResult(
            replies=ctx.replies, understanding=ctx.understanding, province=ctx.person.province
        )


class Engine:
    """Turns one inbound message into replies, with state kept in the database."""

    def __init__(self, responder: Responder, database: Database) -> None:
        self.responder = responder
        self.content = responder.content
        self.understander = responder.understander
        self.catalogs = responder.catalogs
        self.database = database
        self.options = responder.options
        self.flood = TokenBuckets(self.options.person_rate)
        # People told to slow down, until their bucket lets them through again.
        self._slowed: set[str] = set()

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Replies to one message or button press."""
        return (await self.handle_turn(inbound)).replies

    async def handle_turn(self, inbound: Inbound, province: str | None = None) -> TurnResult:
        """Replies plus what was understood; a redelivered message gets no replies.

        `province`, when given, is recorded for the person before the turn, as if they had
        chosen it.
        """
        from bot.storage import turns

        if (slowed := self._flooding(inbound)) is not None:
            return slowed
        responder = self.responder
        cleaned = responder.clean(inbound)
        async with self.database.transaction() as transaction:
            if inbound.message_id and not await transaction.call(
                turns.first_delivery, inbound.channel, str(inbound.message_id)
            ):
                log.info("dropped a redelivered %s message", inbound.channel)
                return TurnResult(duplicate=True)
            row = await transaction.call(
                turns.load_person, inbound.channel, inbound.user_id, responder.locale_hint(inbound)
            )
            person = Person(
                id=row.id,
                channel=row.channel,
                external_id=row.external_id,
                province=province if province is not None else row.province,
                locale=row.locale,
                role=responder.role(inbound, row.role),
                is_new=not row.state,
                subscribed=row.subscribed,
            )
            state = ConversationState.from_json(row.state)
            ctx = await responder.respond(inbound, person, state, cleaned, transaction)
            await self._save(transaction, ctx, row)
        for committed in ctx.after_commit:
            committed()
        return TurnResult(
            replies=ctx.replies,
            understanding=ctx.understanding,
            province=None if ctx.delete_person else ctx.person.province,
        )

    async def handle_visit(self, inbound: Inbound) -> TurnResult:
        """A page opened (the web chat's `hello`): a known person gets their usual turn; a
        stranger is greeted without anything being stored, so that visits alone (bots,
        crawlers, made-up session ids) leave no rows behind."""
        from bot.storage import turns

        if await self.database.run(turns.is_known, inbound.channel, inbound.user_id):
            return await self.handle_turn(inbound)
        return await self.responder.answer_new_person(inbound)

    def _flooding(self, inbound: Inbound) -> TurnResult | None:
        """None when the person may go ahead; else what to answer a flood: one polite "slow
        down" the first time, then nothing until their bucket refills (the messages are
        still acknowledged by the channel, so order and delivery are unaffected)."""
        key = f"{inbound.channel}:{inbound.user_id}"
        if not self.flood.take(key):
            self._slowed.discard(key)
            return None
        if key in self._slowed:
            return TurnResult(duplicate=True)
        if len(self._slowed) > 10_000:  # bounded: forgetting means one more polite reply
            self._slowed.clear()
        self._slowed.add(key)
        log.info("a person on %s is sending too fast; ignored for a moment", inbound.channel)
        catalog = self.catalogs.get(self.responder.locale_hint(inbound))
        text = N_("You are sending messages very fast. Please wait a few seconds, then write.")
        return TurnResult(replies=[Outbound(catalog.gettext(text) if catalog else text)])

    async def mark_unreachable(self, channel: str, user_id: str) -> None:
        """A channel could not deliver to this person (they blocked the bot, unfollowed)."""
        from bot.storage import turns

        await self.database.run(turns.mark_unreachable, channel, user_id)

    async def set_subscribed(self, channel: str, user_id: str, subscribed: bool) -> None:
        """Reminders on or off for a person, when the channel says so (an unfollow)."""
        from bot.storage import turns

        await self.database.run(turns.set_subscribed, channel, user_id, subscribed)

    async def forget_person(self, channel: str, user_id: str) -> bool:
        """Delete everything stored about a person; True when there was something."""
        from bot.storage import turns

        return await self.database.run(turns.forget, channel, user_id)

    async def _save(self, transaction: Transaction, ctx: Context, row: turns.PersonRow) -> None:
        from bot.storage import turns

        person = ctx.person
        events = [
            {
                "user_id": None if ctx.delete_person else row.id,
                "channel": row.channel,
                "province": person.province,
                "kind": record.kind,
                "topic": record.topic,
                "guide": record.guide,
                "step": record.step,
                "confidence": record.confidence,
                "detail": record.detail,
            }
            for record in ctx.events
        ]
        if ctx.delete_person:
            await transaction.call(turns.save_turn, row, {}, row.state, events, None)
            await transaction.finish(turns.delete_person, row.id)
            return
        changes = {
            name: getattr(person, name)
            for name in ("province", "locale", "role", "subscribed")
            if getattr(person, name) != getattr(row, name)
        }
        message = None
        if ctx.text and ctx.inbound.action is None and self.options.message_retention_days > 0:
            topic = ctx.understanding.topic if ctx.understanding else None
            message = {"text": ctx.text[:MAX_LOGGED_TEXT], "topic": topic}
        await transaction.finish(
            turns.save_turn, row, changes, ctx.state.to_json(), events, message
        )
