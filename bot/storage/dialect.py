"""The one place that knows which dialect's INSERT supports ON CONFLICT."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection


def insert(connection: Connection, table: Any) -> Any:
    """An INSERT for `table` that offers `on_conflict_do_nothing`/`on_conflict_do_update` on
    both PostgreSQL and SQLite (the generic `insert` has neither). The dialect is imported
    when first needed: a SQLite deployment never loads the PostgreSQL one."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)
