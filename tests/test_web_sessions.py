"""Web chat sessions: never an audience, and purged once idle (with what they stored)."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from bot.broadcasts import store
from bot.broadcasts.segments import Segment, messaging_channels
from bot.engine import Engine
from bot.messages import Inbound
from bot.server import create_app
from bot.settings import Settings
from bot.storage.models import Delivery, DialogueState, Event, MessageLog, User, utcnow
from bot.storage.retention import purge_idle_sessions

Client = TestClient[web.Request, web.Application]
TABLES = {"users": User, "dialogue_states": DialogueState, "events": Event, "log": MessageLog}


async def counts(engine: Engine) -> dict[str, int]:
    """Rows per table of interest."""

    def run(connection: Connection) -> dict[str, int]:
        return {
            name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in TABLES.items()
        }

    return await engine.database.run(run)


async def web_sessions(engine: Engine, how_many: int) -> None:
    """Pages opened by random session ids that never got past the greeting."""
    for _ in range(how_many):
        session = secrets.token_urlsafe(12)
        await engine.handle(Inbound(channel="web", user_id=session, action="hello"))


async def age_everyone(engine: Engine, days: int) -> None:
    """Make everyone last seen `days` ago."""

    def run(connection: Connection) -> None:
        connection.execute(update(User).values(last_seen_at=utcnow() - dt.timedelta(days=days)))

    await engine.database.run(run)


async def test_web_sessions_are_not_counted_or_queued_in_audiences(any_engine: Engine) -> None:
    assert set(messaging_channels()) == {"telegram", "zalo"}
    await web_sessions(any_engine, 40)
    for channel, user in (("telegram", "1"), ("telegram", "2"), ("zalo", "3")):
        await any_engine.handle(Inbound(channel=channel, user_id=user, action="p:soc-trang"))
    await any_engine.handle(Inbound(channel="terminal", user_id="me", text="/start"))
    now = utcnow()
    assert await any_engine.database.run(store.audience_size, Segment(), now) == 3
    assert await any_engine.database.run(store.audience_size, Segment(channel="web"), now) == 0

    def queue(connection: Connection) -> list[str]:
        identifier = store.create(connection, {"vi": "Nhắc"}, Segment(), now)
        store.start_occurrence(connection, identifier, now)
        return sorted(connection.execute(select(Delivery.channel)).scalars())

    assert await any_engine.database.run(queue) == ["telegram", "telegram", "zalo"]


async def test_idle_web_people_are_purged_and_their_events_kept_unlinked(
    any_engine: Engine,
) -> None:
    await web_sessions(any_engine, 150)
    asker = Inbound(channel="web", user_id="asker-0001", text="cài bluezone thế nào")
    await any_engine.handle(asker)
    await any_engine.handle(Inbound(channel="telegram", user_id="7", text="cài bluezone thế nào"))
    before = await counts(any_engine)
    assert before["users"] == before["dialogue_states"] == 152
    assert before["events"] >= 2 and before["log"] == 2
    database = any_engine.database
    channels = messaging_channels()

    assert await purge_idle_sessions(database, channels, idle_days=30) == 0, "all active"
    await age_everyone(any_engine, days=31)
    removed = await purge_idle_sessions(database, channels, idle_days=30, batch=64)
    assert removed == 151, "every web person, over several batches"
    after = await counts(any_engine)
    assert (after["users"], after["dialogue_states"], after["log"]) == (1, 1, 1)
    assert after["events"] == before["events"], "the statistics stay"

    def linked(connection: Connection) -> set[tuple[str, int | None]]:
        rows = connection.execute(select(Event.channel, Event.user_id).distinct())
        return {(row.channel, row.user_id) for row in rows}

    pairs = await database.run(linked)
    assert ("web", None) in pairs, "the web person's events are kept, unlinked"
    assert all(user is not None for channel, user in pairs if channel == "telegram")
    # The person who comes back after the purge simply starts again.
    replies = await any_engine.handle(Inbound(channel="web", user_id="asker-0001", action="hello"))
    assert replies


async def test_the_server_purges_idle_web_people_by_itself(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
    engine: Engine,
    settings: Settings,
) -> None:
    await web_sessions(engine, 5)
    await engine.handle(Inbound(channel="web", user_id="recent-0001", action="hello"))
    await age_everyone(engine, days=settings.session_retention_days + 1)
    await engine.handle(Inbound(channel="web", user_id="recent-0001", text="xin chào"))
    await aiohttp_client(await create_app(engine, settings))  # starts the hourly clean-up
    async with asyncio.timeout(10):
        while (await counts(engine))["users"] != 1:
            await asyncio.sleep(0.05)

    def who(connection: Connection) -> list[str]:
        return list(connection.execute(select(User.external_id)).scalars())

    assert await engine.database.run(who) == ["recent-0001"]
