"""Administrators compose broadcasts in the chat; everybody else is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import build_engine
from bot.broadcasts import store
from bot.content import Content
from bot.engine import Engine
from bot.matcher import Understander
from bot.settings import Settings
from bot.storage import Event
from tests.chat import Chat, fetch_all


@pytest.fixture
async def admin_engine(
    tmp_path: Path, content: Content, understander: Understander
) -> AsyncIterator[Engine]:
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "ADMIN_TELEGRAM_IDS": "900, 901"}
    )
    engine = await build_engine(settings, content=content, understander=understander)
    yield engine
    await engine.database.dispose()


async def test_non_admins_are_refused_and_it_is_recorded(admin_engine: Engine) -> None:
    citizen = Chat(admin_engine, user="12345", channel="telegram")
    for say in ("/broadcast", "/broadcasts"):
        await citizen.say(say)
        assert "quản trị" in citizen.text
    await citizen.tap("bc:send")
    assert "quản trị" in citizen.text
    elsewhere = Chat(admin_engine, user="900", channel="zalo")  # same id, other channel
    await elsewhere.say("/broadcast")
    assert "quản trị" in elsewhere.text
    refused = await fetch_all(
        admin_engine.database, select(Event).where(Event.kind == "admin_refused")
    )
    assert len(refused) == 4
    assert await admin_engine.database.run(store.latest) == []


async def test_an_admin_composes_previews_and_sends(admin_engine: Engine) -> None:
    for user, province in (("1", "soc-trang"), ("2", "soc-trang"), ("3", "quang-ngai")):
        await Chat(admin_engine, user=user, channel="telegram").tap(f"p:{province}")
    admin = Chat(admin_engine, user="900", channel="telegram")
    await admin.say("/broadcast")
    await admin.say("Chào {{ name }}")
    assert "không gửi được" in admin.text and "name" in admin.text
    await admin.say("Nhắc bà con {{ province }}: kích hoạt lại Bluezone nhé")
    assert "bc:to:soc-trang" in {b.action for b in admin.buttons}
    await admin.tap("bc:to:soc-trang")
    assert "Nhắc bà con Sóc Trăng" in admin.text and "2 người" in admin.text
    await admin.tap("bc:send")
    (row,) = await admin_engine.database.run(store.latest)
    assert row.segment.province == "soc-trang" and row.state == "scheduled"
    assert row.created_by == "telegram:900"
    await admin.tap("bc:list")
    assert f"#{row.id}" in admin.text
    await admin.tap(f"bc:pause:{row.id}")
    assert (await admin_engine.database.run(store.get, row.id)).state == "paused"  # type: ignore[union-attr]
    await admin.tap(f"bc:cancel:{row.id}")
    assert (await admin_engine.database.run(store.get, row.id)).state == "cancelled"  # type: ignore[union-attr]
    await admin.tap(f"bc:resume:{row.id}")
    assert "không thể" in admin.text


async def test_an_admin_can_give_up_a_draft(admin_engine: Engine) -> None:
    admin = Chat(admin_engine, user="901", channel="telegram")
    await admin.say("/broadcast")
    await admin.tap("bc:cancel")
    await admin.say("cai bluezone")
    assert admin.topic == "bluezone.install", "back to normal questions"
    assert await admin_engine.database.run(store.latest) == []


async def test_an_admin_narrows_the_audience_and_adds_a_guide_button(admin_engine: Engine) -> None:
    for user, channel in (("1", "telegram"), ("2", "zalo"), ("3", "telegram")):
        await Chat(admin_engine, user=user, channel=channel).tap("p:soc-trang")
    await Chat(admin_engine, user="3", channel="telegram").tap("l:en")
    admin = Chat(admin_engine, user="900", channel="telegram")
    await admin.say("/broadcast")
    await admin.say("Nhắc {{ province }}: kích hoạt lại Bluezone")
    await admin.tap("bc:to:soc-trang")
    assert "3 người" in admin.text
    await admin.tap("bc:narrow")
    assert {"bc:seg:channel:zalo", "bc:seg:guide:bluezone.reactivate"} <= {
        b.action for b in admin.buttons
    }
    await admin.tap("bc:seg:channel:telegram")
    assert "2 người" in admin.text and "Chỉ Telegram" in admin.text
    await admin.tap("bc:narrow")
    await admin.tap("bc:seg:locale:vi")
    assert "1 người" in admin.text, "Telegram and Vietnamese: person 1 only"
    await admin.tap("bc:addbtn")
    await admin.tap("bc:btn:bluezone.reactivate")
    await admin.tap("bc:seg:role:nobody")
    assert "cũ" in admin.text, "a choice we never offered is an out-of-date menu"
    await admin.say("/broadcast")
    await admin.say("Nhắc lần hai")
    await admin.tap("bc:to:all")
    await admin.tap("bc:addbtn")
    await admin.tap("bc:btn:bluezone.reactivate")
    await admin.tap("bc:narrow")
    await admin.tap("bc:seg:channel:telegram")
    await admin.tap("bc:send")
    (row,) = await admin_engine.database.run(store.latest)
    assert row.segment.channel == "telegram" and row.segment.province is None
    assert [b["action"] for b in row.buttons] == ["g:bluezone.reactivate"]
    assert row.texts == {"vi": "Nhắc lần hai"}
