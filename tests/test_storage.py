"""The database layer, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from bot.app import build_engine
from bot.content import Content
from bot.engine import Engine, EngineOptions
from bot.matcher import Understander
from bot.messages import Inbound
from bot.settings import Settings
from bot.storage import Base, DialogueState, Event, MessageLog, User
from bot.storage.retention import purge_messages
from tests.chat import Chat, fetch_all, fetch_one


async def count(engine: Engine, model: type[Base]) -> int:
    return int(await fetch_one(engine.database, select(func.count()).select_from(model)))


async def test_migrations_match_the_models(any_engine: Engine) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection)
        return list(compare_metadata(context, Base.metadata))

    assert await any_engine.database.run(diff) == []


async def test_upgrade_is_idempotent(any_engine: Engine) -> None:
    """Upgrading twice, from a second process's connection, keeps the data and the schema."""
    chat = Chat(any_engine, user="upgrade")
    await chat.tap("p:soc-trang")
    await any_engine.database.upgrade()
    again = type(any_engine.database)(str(any_engine.database.url.render_as_string(False)))
    await again.upgrade()
    await again.dispose()
    await chat.say("/hotline")
    assert [c.phone for c in chat.contacts] == ["0299.3626800"], "the province survived"


async def test_conversation_survives_a_restart(
    any_engine: Engine, settings: Settings, content: Content, understander: Understander
) -> None:
    first = Chat(any_engine, user="restart")
    await first.tap("p:soc-trang")
    await first.tap("g:bluezone.install:android")
    await first.press("Xong")
    step_two = first.buttons[0].action
    url = any_engine.database.url.render_as_string(hide_password=False)
    await any_engine.database.dispose()

    restarted = await build_engine(
        settings, database_url=url, content=content, understander=understander
    )
    try:
        second = Chat(restarted, user="restart")
        await second.tap(step_two)
        assert "Bước 3/" in second.text
        await second.say("/hotline")
        assert {c.phone for c in second.contacts} == {"0299.3626800"}
    finally:
        await restarted.database.dispose()


async def test_a_redelivered_message_is_handled_once(any_engine: Engine) -> None:
    inbound = Inbound(channel="zalo", user_id="u1", text="cai bluezone", message_id="msg-1")
    first = await any_engine.handle_turn(inbound)
    again = await any_engine.handle_turn(inbound)
    assert first.replies and not first.duplicate
    assert again.duplicate and again.replies == []
    assert await count(any_engine, MessageLog) == 1
    other = await any_engine.handle_turn(
        Inbound(channel="web", user_id="u1", text="hi", message_id="msg-1")
    )
    assert not other.duplicate, "ids are per channel"


async def test_simultaneous_first_messages_create_one_person(any_engine: Engine) -> None:
    turns = [
        Inbound(channel="web", user_id="same-person", text=f"cai bluezone {i}") for i in range(8)
    ]
    results = await asyncio.gather(*(any_engine.handle_turn(t) for t in turns))
    assert all(r.replies for r in results)
    assert await count(any_engine, User) == 1
    assert await count(any_engine, MessageLog) == 8
    assert await count(any_engine, DialogueState) == 1


async def test_simultaneous_turns_do_not_lose_state(any_engine: Engine) -> None:
    """Each turn reads and writes the state under a lock, so concurrent changes all land."""
    await any_engine.handle(Inbound(channel="web", user_id="racer", action="p:soc-trang"))
    misses = [Inbound(channel="web", user_id="racer", text="zzqx wvvk") for _ in range(4)]
    await asyncio.gather(*(any_engine.handle_turn(t) for t in misses))
    escalations = await fetch_one(
        any_engine.database, select(func.count()).where(Event.kind == "escalation")
    )
    # Four misunderstandings in a row: escalate on the 2nd and the 4th, never twice in a row.
    assert escalations == 2


async def test_deleting_a_person_removes_their_rows(any_engine: Engine) -> None:
    await any_engine.handle(Inbound(channel="web", user_id="leaver", text="cai bluezone"))
    await any_engine.handle(Inbound(channel="web", user_id="stayer", text="cai bluezone"))
    assert await any_engine.forget_person("web", "leaver")
    assert not await any_engine.forget_person("web", "nobody")
    assert await count(any_engine, User) == 1
    assert await count(any_engine, MessageLog) == 1
    assert await count(any_engine, DialogueState) == 1
    assert await count(any_engine, Event) == 2, "analytics stay, unlinked"


async def test_old_message_text_is_purged(any_engine: Engine) -> None:
    for text in ("cai bluezone", "otp ko ve"):
        await any_engine.handle(Inbound(channel="web", user_id="p", text=text))
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)

    def age(connection: Connection) -> None:
        connection.execute(
            update(MessageLog).where(MessageLog.text == "cai bluezone").values(created_at=old)
        )

    await any_engine.database.run(age)
    assert await purge_messages(any_engine.database, retention_days=30) == 1
    assert await fetch_all(any_engine.database, select(MessageLog.text)) == ["otp ko ve"]


async def test_no_message_text_is_kept_when_retention_is_zero(any_engine: Engine) -> None:
    any_engine.options = EngineOptions(message_retention_days=0)
    await any_engine.handle(Inbound(channel="web", user_id="p", text="cai bluezone"))
    assert await count(any_engine, MessageLog) == 0
    assert await count(any_engine, Event) == 1


async def test_message_log_keeps_only_the_start_of_long_text(any_engine: Engine) -> None:
    await any_engine.handle(Inbound(channel="web", user_id="p", text="cài bluezone " * 300))
    stored = await fetch_one(any_engine.database, select(MessageLog.text))
    assert 0 < len(stored) <= 500


async def test_handled_channel_events_are_not_kept(any_engine: Engine) -> None:
    from bot.storage import inbox
    from bot.storage.models import InboxEvent

    first = await any_engine.database.run(inbox.store, "zalo", "e1", {"message": {"text": "hi"}})
    second = await any_engine.database.run(inbox.store, "zalo", "e2", {"message": {"text": "yo"}})
    assert first is not None and second is not None
    assert await any_engine.database.run(inbox.store, "zalo", "e1", {}) is None, "stored once"
    assert await any_engine.database.run(inbox.take, first) == {"message": {"text": "hi"}}
    await any_engine.database.run(inbox.finish, first)
    assert await any_engine.database.run(inbox.take, first) is None, "done is done"
    assert await any_engine.database.run(inbox.pending, "zalo") == [second]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    await purge_messages(any_engine.database, retention_days=30, now=later)
    left = await fetch_all(any_engine.database, select(InboxEvent.event_id))
    assert left == ["e2"], "the handled event is gone, the pending one waits"
