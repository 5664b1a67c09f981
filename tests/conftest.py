"""Shared fixtures: the shipped content, engines on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import build_engine
from bot.content import Content, load_content
from bot.engine import Engine
from bot.matcher import Understander
from bot.settings import PROJECT_ROOT, Settings
from tests.chat import Chat

PG_URL = os.environ.get("TEST_DATABASE_URL_PG")


@pytest.fixture(scope="session")
def content() -> Content:
    """The shipped content, loaded once."""
    return load_content(PROJECT_ROOT / "content")


@pytest.fixture(scope="session")
def understander(content: Content) -> Understander:
    """The matcher built once over the shipped content."""
    return Understander(content)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings with the database in a temporary folder."""
    return Settings.from_env({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'helpdesk.db'}"})


async def reset_postgres(url: str) -> None:
    """Drop every table so each test starts from an empty database."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def _database_params() -> list[object]:
    params: list[object] = ["sqlite"]
    marks = [pytest.mark.postgres]
    if PG_URL is None and os.environ.get("CI") != "true":
        marks.append(pytest.mark.skip(reason="TEST_DATABASE_URL_PG not set (make test sets it)"))
    params.append(pytest.param("postgres", marks=marks))
    return params


@pytest.fixture(params=_database_params())
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database URL: a SQLite file, then the PostgreSQL test server."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'helpdesk.db'}"
        return
    if PG_URL is None:
        pytest.fail("TEST_DATABASE_URL_PG is not set; run the suite with `make test`")
    await reset_postgres(PG_URL)
    yield PG_URL


@pytest.fixture
async def engine(
    settings: Settings, content: Content, understander: Understander
) -> AsyncIterator[Engine]:
    """An engine on a fresh SQLite file."""
    built = await build_engine(settings, content=content, understander=understander)
    yield built
    await built.database.dispose()


@pytest.fixture
async def any_engine(
    settings: Settings, content: Content, understander: Understander, database_url: str
) -> AsyncIterator[Engine]:
    """An engine on each database: SQLite and PostgreSQL."""
    built = await build_engine(
        settings, database_url=database_url, content=content, understander=understander
    )
    yield built
    await built.database.dispose()


@pytest.fixture
def chat(engine: Engine) -> Chat:
    """A new person chatting with the engine."""
    return Chat(engine)
