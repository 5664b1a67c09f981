"""The database: migrations on start, and transactions that run plain SQLAlchemy Core functions.

Storage code is written once, as synchronous functions of a SQLAlchemy `Connection`
(`bot/storage/turns.py`). How they run depends on the database:

- PostgreSQL: an `AsyncEngine` on asyncpg; each function runs through
  `AsyncConnection.run_sync`, so the event loop never blocks.
- SQLite: one dedicated thread owns the connection (the standard `sqlite3` driver) and
  transactions are taken one at a time under an asyncio lock. SQLite has a single writer
  anyway, and this makes a whole load or save one thread hop: through SQLAlchemy's aiosqlite
  adapter every statement costs three or four hops, about 0.4 ms each on our machines, which
  alone broke the 5 ms per-message budget. Other processes on the same file are kept apart
  by `BEGIN IMMEDIATE` and the busy timeout.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, RootTransaction, make_url
from sqlalchemy.pool import StaticPool

from bot.storage.private import private_file
from bot.storage.sealing import Sealer, attach_sealer, key_file_for

if TYPE_CHECKING:  # imported when PostgreSQL is used: `helpdesk ask` on SQLite starts faster
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_DRIVERS = ("sqlite", "sqlite+aiosqlite", "sqlite+pysqlite")
POSTGRES_DRIVERS = ("postgresql+asyncpg", "postgresql", "postgres")

P = ParamSpec("P")
R = TypeVar("R")


class Transaction(Protocol):
    """An open transaction; `call` runs a storage function inside it."""

    async def call(
        self, function: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Run `function(connection, *args, **kwargs)` in this transaction."""
        ...

    async def finish(
        self, function: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Run a last function and commit (in one step where the database allows it)."""
        ...


class _ThreadTransaction:
    """A SQLite transaction on the database's own thread; it begins with the first call."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self.begun: RootTransaction | None = None
        self.finished = False

    def _open(self) -> Connection:
        connection = self._database._sqlite_connection()
        if self.begun is None:
            self.begun = connection.begin()
        return connection

    async def call(
        self, function: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        return await self._database._in_thread(lambda: function(self._open(), *args, **kwargs))

    async def finish(
        self, function: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        def run_and_commit() -> R:
            result = function(self._open(), *args, **kwargs)
            assert self.begun is not None
            self.begun.commit()
            self.finished = True
            return result

        return await asyncio.shield(self._database._in_thread(run_and_commit))


class _AsyncTransaction:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def call(
        self, function: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        return await self._connection.run_sync(function, *args, **kwargs)

    async def finish(
        self, function: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        return await self._connection.run_sync(function, *args, **kwargs)


class Database:
    """Owns the engine. `upgrade()` migrates; `transaction()` and `run()` do the work."""

    def __init__(self, url: str, echo: bool = False, secret_key: str | None = None) -> None:
        """`secret_key` encrypts channel credentials (default: the SECRET_KEY variable;
        without one, a key file beside the database, see bot/storage/sealing.py)."""
        self.url: URL = make_url(url)
        self.is_sqlite = self.url.drivername in SQLITE_DRIVERS
        path = Path(self.url.database or "") if self.is_sqlite and not self.is_memory else None
        self.sealer = Sealer(
            secret_key or os.environ.get("SECRET_KEY") or None,
            None if self.is_sqlite and path is None else key_file_for(path),
        )
        self._upgraded = False
        self._async_engine: AsyncEngine | None = None
        self._sync_engine: Engine | None = None
        self._connection: Connection | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock: asyncio.Lock | None = None
        if self.is_sqlite:
            if path is not None:
                private_file(path)
            self._sync_engine = create_engine(
                self.url.set(drivername="sqlite+pysqlite"),
                echo=echo,
                poolclass=StaticPool,
                connect_args={"timeout": 30, "check_same_thread": False},
            )
            _configure_sqlite(self._sync_engine)
            attach_sealer(self._sync_engine, self.sealer)
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        elif self.url.drivername in POSTGRES_DRIVERS:
            from sqlalchemy.ext.asyncio import create_async_engine

            self.url = self.url.set(drivername="postgresql+asyncpg")
            self._async_engine = create_async_engine(self.url, echo=echo, pool_pre_ping=True)
            attach_sealer(self._async_engine.sync_engine, self.sealer)
        else:
            raise ValueError(f"unsupported database URL scheme {self.url.drivername!r}")

    async def _in_thread(self, function: Callable[[], R]) -> R:
        if self._executor is None:
            raise RuntimeError("the database was disposed")
        if self.is_memory:
            return function()  # nothing to wait for: no disk, so no reason to hop threads
        return await asyncio.get_running_loop().run_in_executor(self._executor, function)

    def _sqlite_connection(self) -> Connection:
        if self._connection is None:
            assert self._sync_engine is not None
            self._connection = self._sync_engine.connect()
        return self._connection

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        if self._async_engine is not None:
            async with self._async_engine.begin() as async_connection:
                yield _AsyncTransaction(async_connection)
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            transaction = _ThreadTransaction(self)
            try:
                yield transaction
            except BaseException:
                if transaction.begun is not None and not transaction.finished:
                    # Shielded: the thread must finish the rollback before the lock is released.
                    await asyncio.shield(self._in_thread(transaction.begun.rollback))
                raise
            if transaction.begun is not None and not transaction.finished:
                await asyncio.shield(self._in_thread(transaction.begun.commit))

    async def run(
        self, function: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Run one storage function in its own transaction."""
        async with self.transaction() as transaction:
            return await transaction.call(function, *args, **kwargs)

    @property
    def is_memory(self) -> bool:
        """True for a throw-away in-memory SQLite database."""
        return self.is_sqlite and (self.url.database or "") in ("", ":memory:")

    async def upgrade(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision (idempotent).

        An in-memory database has no history to migrate: it is created from the models
        directly (a test checks the migrations and the models agree).
        """
        if self._upgraded:
            return
        await self.run(_create_tables if self.is_memory else _run_alembic_upgrade)
        self._upgraded = True

    async def dispose(self) -> None:
        """Close every connection; the database cannot be used afterwards. Idempotent."""
        if self._async_engine is not None:
            await self._async_engine.dispose()
        if self._executor is None:
            return
        if self._sync_engine is not None:
            if self._connection is not None:
                await self._in_thread(self._connection.close)
                self._connection = None
            await self._in_thread(self._sync_engine.dispose)
        self._executor.shutdown(wait=True)
        self._executor = None


def alembic_config(connection: Connection | None = None) -> Any:
    """An Alembic Config pointing at our migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _create_tables(connection: Connection) -> None:
    from bot.storage.models import Base

    Base.metadata.create_all(connection)


def _run_alembic_upgrade(connection: Connection) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


def _configure_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers, and BEGIN IMMEDIATE so two writers never lose an update.

    pysqlite begins transactions lazily and as DEFERRED, so two read-then-write transactions
    (in two processes) could interleave; taking the write lock at BEGIN serialises them
    (SQLAlchemy's documented recipe for SQLite transactions).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
