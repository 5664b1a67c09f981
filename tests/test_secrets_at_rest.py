"""The database file is its owner's only, and channel credentials are encrypted in it."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection

from bot.messages import Inbound
from bot.settings import Settings, SettingsError
from bot.storage import Database, credentials
from bot.storage.models import ChannelCredentials, utcnow
from bot.storage.sealing import SealError, is_sealed

ACCESS, REFRESH = "zalo-access-token-AAAA1111", "zalo-refresh-token-BBBB2222"
KEY = "k" * 40


def mode(path: Path) -> int:
    """The permission bits of a file."""
    return stat.S_IMODE(path.stat().st_mode)


def raw_pair(connection: Connection) -> tuple[str, str]:
    """The stored pair as it is in the table."""
    row = connection.execute(
        select(ChannelCredentials.access_token, ChannelCredentials.refresh_token)
    ).one()
    return row.access_token, row.refresh_token


async def test_the_sqlite_file_and_its_companions_are_owner_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    path = tmp_path / "var" / "helpdesk.db"
    database = Database(f"sqlite:///{path}")
    try:
        await database.upgrade()
        await database.run(credentials.seed, "zalo", ACCESS, REFRESH)
        assert await database.run(credentials.load, "zalo") == (ACCESS, REFRESH)
        files = [path, path.with_name("helpdesk.db-wal"), path.with_name("helpdesk.db-shm")]
        assert all(f.exists() for f in files), "WAL mode keeps -wal and -shm files"
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        key_file = tmp_path / "var" / "helpdesk.key"
        assert mode(key_file) == 0o600
        assert mode(path.parent) == 0o700
    finally:
        await database.dispose()
    said = [r for r in caplog.records if "SECRET_KEY is not set" in r.getMessage()]
    assert len(said) == 1 and str(key_file) in said[0].getMessage()
    # A second start reads the same key and says nothing more.
    caplog.clear()
    again = Database(f"sqlite:///{path}")
    try:
        assert await again.run(credentials.load, "zalo") == (ACCESS, REFRESH)
    finally:
        await again.dispose()
    assert "SECRET_KEY" not in caplog.text


async def test_an_older_world_readable_file_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "helpdesk.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    database = Database(f"sqlite:///{path}")
    await database.dispose()
    assert mode(path) == 0o600


async def test_credentials_are_stored_encrypted(database_url: str) -> None:
    database = Database(database_url, secret_key=KEY)
    try:
        await database.upgrade()
        await database.run(credentials.seed, "zalo", ACCESS, REFRESH)
        stored = await database.run(raw_pair)
        assert all(is_sealed(value) for value in stored)
        assert ACCESS not in "".join(stored) and REFRESH not in "".join(stored)
        assert await database.run(credentials.load, "zalo") == (ACCESS, REFRESH)
        # Single-use refresh: only the holder of the current refresh token may replace it.
        assert not await database.run(credentials.replace, "zalo", "stale", "a2", "r2")
        assert await database.run(credentials.replace, "zalo", REFRESH, "a2", "r2")
        assert await database.run(credentials.load, "zalo") == ("a2", "r2")
        assert all(is_sealed(value) for value in await database.run(raw_pair))
    finally:
        await database.dispose()


async def test_a_pair_stored_in_clear_is_read_once_and_rewritten_encrypted(
    database_url: str,
) -> None:
    database = Database(database_url, secret_key=KEY)
    try:
        await database.upgrade()

        def older_version(connection: Connection) -> None:
            connection.execute(
                insert(ChannelCredentials).values(
                    channel="zalo", access_token=ACCESS, refresh_token=REFRESH, updated_at=utcnow()
                )
            )

        await database.run(older_version)
        assert await database.run(raw_pair) == (ACCESS, REFRESH)
        assert await database.run(credentials.load, "zalo") == (ACCESS, REFRESH)
        stored = await database.run(raw_pair)
        assert all(is_sealed(value) for value in stored)
        assert await database.run(credentials.load, "zalo") == (ACCESS, REFRESH)
    finally:
        await database.dispose()


async def test_another_key_cannot_read_them_and_says_why(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'helpdesk.db'}"
    first = Database(url, secret_key=KEY)
    await first.upgrade()
    await first.run(credentials.seed, "zalo", ACCESS, REFRESH)
    await first.dispose()
    assert not (tmp_path / "helpdesk.key").exists(), "SECRET_KEY set: no key file"
    other = Database(url, secret_key="o" * 40)
    try:
        with pytest.raises(SealError, match="SECRET_KEY"):
            await other.run(credentials.load, "zalo")
    finally:
        await other.dispose()


async def test_the_engine_uses_secret_key_from_the_settings(tmp_path: Path) -> None:
    from bot.app import build_engine

    url = f"sqlite:///{tmp_path / 'helpdesk.db'}"
    settings = Settings.from_env({"DATABASE_URL": url, "SECRET_KEY": KEY})
    engine = await build_engine(settings)
    try:
        await engine.handle(Inbound(channel="web", user_id="abcdefgh", action="hello"))
        await engine.database.run(credentials.seed, "zalo", ACCESS, REFRESH)
        count = await engine.database.run(
            lambda c: c.execute(text("SELECT count(*) FROM channel_credentials")).scalar_one()
        )
        assert count == 1
    finally:
        await engine.database.dispose()
    reader = Database(url, secret_key=KEY)
    try:
        assert await reader.run(credentials.load, "zalo") == (ACCESS, REFRESH)
    finally:
        await reader.dispose()


def test_a_short_secret_key_is_refused() -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"SECRET_KEY": "short"})
    assert Settings.from_env({"SECRET_KEY": KEY}).secret_key == KEY
