"""Shared pieces of the volunteer and campaign-report tests: an engine whose links point
somewhere, the clearly marked example units, a volunteer, and walking through a guide."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_engine
from bot.content import Content
from bot.content.units import read_units
from bot.engine import Engine
from bot.matcher import Understander
from bot.settings import Settings
from bot.volunteers.store import VolunteerInfo, create_invitation, volunteers
from handlers.actions import GuideOutcome, StartGuide
from tests.chat import Chat

WEB = "https://helpdesk.example.gov.vn"
BOT = "HelpdeskQN_bot"
EXAMPLE_UNITS = Path(__file__).parent / "data" / "units"


@pytest.fixture
def units_content(content: Content) -> Content:
    """The shipped content with the example units (see example_content)."""
    return example_content(content)


@pytest.fixture
async def units_engine(
    settings: Settings, units_content: Content, understander: Understander, database_url: str
) -> AsyncIterator[Engine]:
    """An engine on each database, with the example units."""
    built = await build_engine(
        settings, database_url=database_url, content=units_content, understander=understander
    )
    yield built
    await built.database.dispose()


def example_content(content: Content) -> Content:
    """The shipped content with the example agencies and districts of tests/data/units/
    (placeholders: no letter names Quảng Ngãi's districts)."""
    units, problems = read_units(EXAMPLE_UNITS, content.locales)
    assert problems == []
    return dataclasses.replace(content, units=units)


async def links_engine(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    database_url: str | None = None,
    **env: str,
) -> Engine:
    """An engine whose share links point to WEB and to the Telegram bot BOT."""
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'volunteers.db'}",
            "PUBLIC_URL": WEB,
            "TELEGRAM_BOT_USERNAME": BOT,
            **env,
        }
    )
    return await build_engine(
        settings, database_url=database_url, content=content, understander=understander
    )


async def invitation(engine: Engine, org: str = "Tỉnh đoàn Quảng Ngãi", uses: int = 5) -> str:
    """A fresh invitation code."""
    now = dt.datetime.now(dt.UTC)
    made = await engine.database.run(create_invitation, org, uses, None, "test", now)
    return made.code


async def volunteer(engine: Engine, user: str, channel: str = "telegram") -> tuple[Chat, str]:
    """A person who joined with an invitation code, and their referral code."""
    chat = Chat(engine, user=user, channel=channel)
    await chat.say(f"/volunteer {await invitation(engine)}")
    found = await active(engine)
    mine = [v for v in found if v.referral_code and v.referral_code in chat.text]
    assert len(mine) == 1, chat.text
    assert mine[0].referral_code is not None
    return chat, mine[0].referral_code


async def active(engine: Engine) -> list[VolunteerInfo]:
    """Every active volunteer."""
    return await engine.database.run(volunteers, "active")


async def complete_guide(chat: Chat, guide: str, branch: str) -> None:
    """Start a guide on a branch, tap "Done" at every step, then "yes, it works"."""
    await chat.tap(StartGuide(guide, branch).pack())
    await walk_guide(chat, guide)


async def walk_guide(chat: Chat, guide: str) -> None:
    """From a guide's current step, "Done" until the end, then "yes, it works"."""
    for _ in range(30):
        done = [
            b
            for b in chat.buttons
            if b.action.startswith(f"s:{guide}:") and b.action.endswith(":ok")
        ]
        if not done:
            break
        await chat.tap(done[0].action)
    await chat.tap(GuideOutcome(guide, "yes").pack())
