"""The conversation core: `handle(inbound) -> list[Outbound]`, the same for every channel.

One turn is one database transaction: load (and lock) the person and their state, run the
handlers in memory, then write the new state, events and message log together. Nothing lives
in process memory between turns, so any number of processes can share one database.
"""

from __future__ import annotations

import gettext
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.context import Context, Person
from bot.matcher import Understander
from bot.messages import Inbound, Outbound, TurnResult
from bot.router import Handler, Router
from bot.sanitize import clean_text
from bot.state import ConversationState
from bot.storage import Database, DialogueState, Event, MessageLog, User
from bot.storage.models import InboundSeen, utcnow

log = logging.getLogger(__name__)

MAX_LOGGED_TEXT = 500


def _insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING (SQLite and PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


@dataclass
class EngineOptions:
    """How the engine behaves where deployments differ."""

    default_locale: str = "vi"
    message_retention_days: int = 30


class Engine:
    """Turns one inbound message into replies, with state kept in the database."""

    def __init__(
        self,
        content: Content,
        understander: Understander,
        database: Database,
        router: Router,
        catalogs: dict[str, gettext.NullTranslations],
        bad_input: Handler,
        options: EngineOptions | None = None,
    ) -> None:
        self.content = content
        self.understander = understander
        self.database = database
        self.router = router
        self.catalogs = catalogs
        self.bad_input = bad_input
        self.options = options or EngineOptions()

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Replies to one message or button press."""
        return (await self.handle_turn(inbound)).replies

    async def handle_turn(self, inbound: Inbound) -> TurnResult:
        """Replies plus what was understood; a redelivered message gets no replies."""
        cleaned = clean_text(inbound.text) if inbound.action is None else None
        async with self.database.transaction() as session:
            if inbound.message_id and not await self._first_delivery(session, inbound):
                log.info("dropped a redelivered %s message", inbound.channel)
                return TurnResult(duplicate=True)
            user = await self._load_user(session, inbound)
            stored = await session.get(DialogueState, user.id, with_for_update=True)
            state = ConversationState.from_json(stored.data if stored else None)
            ctx = Context(
                inbound=inbound,
                person=Person(
                    id=user.id,
                    channel=user.channel,
                    external_id=user.external_id,
                    province=user.province,
                    locale=user.locale,
                    role=user.role,
                    is_new=stored is None,
                ),
                state=state,
                content=self.content,
                understander=self.understander,
                catalogs=self.catalogs,
                text=cleaned.text if cleaned else "",
                problem=cleaned.problem if cleaned else None,
            )
            if cleaned is not None and cleaned.problem is not None:
                await self.bad_input(ctx)
            else:
                await self.router.dispatch(ctx)
            if cleaned is not None and cleaned.truncated:
                ctx.replies.insert(
                    0, Outbound(ctx._("Your message was long, so I read its beginning."))
                )
            await self._save(session, ctx, user, stored)
        understanding = ctx.understanding
        return TurnResult(replies=ctx.replies, understanding=understanding)

    async def prepare_person(
        self, channel: str, user_id: str, province: str | None = None, locale: str | None = None
    ) -> None:
        """Create a person with a known province and language (used by `helpdesk ask`)."""
        async with self.database.transaction() as session:
            user = await self._load_user(session, Inbound(channel=channel, user_id=user_id))
            if province is not None:
                user.province = province
            if locale is not None:
                user.locale = locale

    async def forget_person(self, channel: str, user_id: str) -> bool:
        """Delete everything stored about a person; True when there was something."""
        async with self.database.transaction() as session:
            result = await session.execute(
                delete(User).where(User.channel == channel, User.external_id == user_id)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _first_delivery(self, session: AsyncSession, inbound: Inbound) -> bool:
        insert = _insert_for(session)
        statement = (
            insert(InboundSeen)
            .values(channel=inbound.channel, message_id=str(inbound.message_id)[:128])
            .on_conflict_do_nothing()
        )
        result = await session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _load_user(self, session: AsyncSession, inbound: Inbound) -> User:
        query = (
            select(User)
            .where(User.channel == inbound.channel, User.external_id == inbound.user_id)
            .with_for_update()
        )
        user = (await session.execute(query)).scalar_one_or_none()
        if user is not None:
            return user
        locale = inbound.locale if inbound.locale in self.content.locales else None
        insert = _insert_for(session)
        # Two first messages at once must not both create the person: insert-or-ignore, reread.
        await session.execute(
            insert(User)
            .values(
                channel=inbound.channel,
                external_id=inbound.user_id,
                locale=locale or self.options.default_locale,
                role="citizen",
                created_at=utcnow(),
                last_seen_at=utcnow(),
            )
            .on_conflict_do_nothing()
        )
        return (await session.execute(query)).scalar_one()

    async def _save(
        self, session: AsyncSession, ctx: Context, user: User, stored: DialogueState | None
    ) -> None:
        person = ctx.person
        for record in ctx.events:
            session.add(
                Event(
                    user_id=None if ctx.delete_person else user.id,
                    channel=user.channel,
                    province=person.province,
                    kind=record.kind,
                    topic=record.topic,
                    guide=record.guide,
                    step=record.step,
                    confidence=record.confidence,
                    detail=record.detail,
                )
            )
        if ctx.delete_person:
            await session.flush()
            await session.delete(user)
            return
        user.province = person.province
        user.locale = person.locale
        user.role = person.role
        user.last_seen_at = utcnow()
        data = ctx.state.to_json()
        if stored is None:
            session.add(DialogueState(user_id=user.id, data=data))
        elif stored.data != data:
            stored.data = data
        if ctx.text and ctx.inbound.action is None and self.options.message_retention_days > 0:
            topic = ctx.understanding.topic if ctx.understanding else None
            session.add(MessageLog(user_id=user.id, text=ctx.text[:MAX_LOGGED_TEXT], topic=topic))
