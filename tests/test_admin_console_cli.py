"""`helpdesk admin ...`: console accounts from the command line, scriptable through stdin."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.admin import accounts, sessions
from bot.admin.passwords import hash_password, hasher, verify_password
from bot.cli import main
from bot.settings import PROJECT_ROOT
from bot.storage import Database
from bot.storage.admin_tables import AdminAccount, AdminSession
from bot.storage.models import utcnow

PASSWORD = "a long enough password"


def helpdesk(*args: str, stdin: str, database: Path) -> subprocess.CompletedProcess[str]:
    """The real command, in its own process, with `stdin` piped in (not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        cwd=PROJECT_ROOT,
        timeout=120,
    )


async def stored(url: str) -> dict[str, tuple[str, str]]:
    """name -> (role, password hash) of every account."""
    database = Database(url)

    def read(connection: Connection) -> dict[str, tuple[str, str]]:
        rows = connection.execute(
            select(AdminAccount.name, AdminAccount.role, AdminAccount.password_hash)
        )
        return {row.name: (row.role, row.password_hash) for row in rows}

    try:
        await database.upgrade()
        return await database.run(read)
    finally:
        await database.dispose()


async def test_create_user_reads_the_password_twice_from_piped_stdin(tmp_path: Path) -> None:
    database = tmp_path / "h.db"
    made = helpdesk(
        "admin",
        "create-user",
        "Alice",
        "--role",
        "operator",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
        database=database,
    )
    assert made.returncode == 0, made.stderr
    assert "created alice (operator)" in made.stdout
    found = await stored(f"sqlite:///{database}")
    role, hashed = found["alice"]
    assert role == "operator"
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "x")

    differ = helpdesk(
        "admin", "create-user", "bob", stdin=f"{PASSWORD}\n{PASSWORD}!\n", database=database
    )
    assert differ.returncode == 1
    assert "the two passwords differ" in differ.stderr
    assert "bob" not in await stored(f"sqlite:///{database}")


@pytest.fixture
def console_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """DATABASE_URL for in-process runs of the command."""
    url = f"sqlite:///{tmp_path / 'h.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def run(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> int:
    """`helpdesk admin ...` in this process, stdin not a terminal."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["admin", *args])


def test_short_passwords_taken_names_and_bad_names_are_refused(
    console_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, "create-user", "carol", stdin="short\nshort\n") == 1
    assert "at least 12 characters" in capsys.readouterr().err
    assert run(monkeypatch, "create-user", "carol", stdin=f"{PASSWORD}\n{PASSWORD}\n") == 0
    assert run(monkeypatch, "create-user", "CAROL", stdin=f"{PASSWORD}\n{PASSWORD}\n") == 1
    assert "taken" in capsys.readouterr().err
    assert run(monkeypatch, "create-user", "no spaces", stdin=f"{PASSWORD}\n{PASSWORD}\n") == 1
    assert "a name is" in capsys.readouterr().err


async def _open_a_session(url: str, name: str) -> None:
    database = Database(url)
    try:
        found = await database.run(accounts.credentials, name)
        assert found is not None
        hashed, length = "f" * 64, sessions.FAILURE_WINDOW
        await database.run(sessions.open_session, found[0].id, hashed, utcnow(), length)
    finally:
        await database.dispose()


async def _sessions(url: str) -> list[str]:
    database = Database(url)

    def read(connection: Connection) -> list[str]:
        return list(connection.execute(select(AdminSession.token_hash)).scalars())

    try:
        return await database.run(read)
    finally:
        await database.dispose()


def test_list_set_password_and_delete(
    console_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, "create-user", "dave", stdin=f"{PASSWORD}\n{PASSWORD}\n") == 0
    assert run(monkeypatch, "list-users") == 0
    listed = capsys.readouterr().out
    assert "dave" in listed and "admin" in listed and "never" in listed
    assert "argon2" not in listed  # never the hash

    # A session of dave's is closed when his password changes.
    asyncio.run(_open_a_session(console_db, "dave"))
    assert len(asyncio.run(_sessions(console_db))) == 1
    new = "an even longer new password"
    assert run(monkeypatch, "set-password", "dave", stdin=f"{new}\n{new}\n") == 0
    found = asyncio.run(stored(console_db))
    assert verify_password(found["dave"][1], new)
    assert not verify_password(found["dave"][1], PASSWORD)
    assert asyncio.run(_sessions(console_db)) == []

    assert run(monkeypatch, "delete-user", "dave") == 0
    assert "dave" not in asyncio.run(stored(console_db))
    assert run(monkeypatch, "delete-user", "dave") == 1
    assert run(monkeypatch, "set-password", "nobody", stdin=f"{new}\n{new}\n") == 1


def test_on_a_terminal_the_password_is_asked_with_getpass() -> None:
    from bot.cli_admin import Refused, read_new_password

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return PASSWORD

    assert read_new_password(Terminal(), ask) == PASSWORD
    assert asked == ["Password: ", "Password again: "]
    with pytest.raises(Refused):
        read_new_password(Terminal(), lambda prompt: PASSWORD + prompt)


def test_the_shipped_hash_is_argon2id_with_rfc_9106_costs() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert hasher().check_needs_rehash(hashed) is False
