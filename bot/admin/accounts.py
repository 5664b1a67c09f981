"""Console accounts in the database: plain SQLAlchemy Core functions of a Connection."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.engine import Connection

from bot.i18n import N_
from bot.storage.admin_tables import AdminAccount, AdminSession
from bot.storage.models import utcnow

Role = Literal["admin", "operator"]
ROLES: tuple[Role, ...] = get_args(Role)
ROLE_NAMES = {"admin": N_("admin"), "operator": N_("operator")}
NAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")


@dataclass(frozen=True)
class Account:
    """A console account as the pages and the CLI see it (never its password hash)."""

    id: int
    name: str
    role: Role
    created_at: dt.datetime
    last_login_at: dt.datetime | None = None


def role_of(value: str) -> Role:
    """A stored role as a Role; anything unknown is the least powerful one."""
    return next((role for role in ROLES if role == value), "operator")


def normal_name(name: str) -> str:
    """Account names are compared in lower case, without surrounding spaces."""
    return name.strip().lower()


def name_problem(name: str) -> str | None:
    """Why an account name is refused, or None."""
    if not NAME.fullmatch(normal_name(name)):
        return (
            "a name is 1-64 characters: letters, digits and . _ @ -, "
            "starting with a letter or a digit"
        )
    return None


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite returns naive datetimes
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _account(row: Row[Any] | Any) -> Account:
    return Account(
        id=row.id,
        name=row.name,
        role=role_of(row.role),
        created_at=_aware(row.created_at) or utcnow(),
        last_login_at=_aware(row.last_login_at),
    )


_PUBLIC = (
    AdminAccount.id,
    AdminAccount.name,
    AdminAccount.role,
    AdminAccount.created_at,
    AdminAccount.last_login_at,
)


def create_account(connection: Connection, name: str, password_hash: str, role: Role) -> int | None:
    """Store a new account; its id, or None when the name is taken."""
    name = normal_name(name)
    if connection.execute(select(AdminAccount.id).where(AdminAccount.name == name)).first():
        return None
    return int(
        connection.execute(
            insert(AdminAccount)
            .values(name=name, password_hash=password_hash, role=role, created_at=utcnow())
            .returning(AdminAccount.id)
        ).scalar_one()
    )


def list_accounts(connection: Connection) -> list[Account]:
    """Every account, by name."""
    return [
        _account(row) for row in connection.execute(select(*_PUBLIC).order_by(AdminAccount.name))
    ]


def account_by_id(connection: Connection, account_id: int) -> Account | None:
    """One account, or None."""
    row = connection.execute(select(*_PUBLIC).where(AdminAccount.id == account_id)).first()
    return _account(row) if row else None


def credentials(connection: Connection, name: str) -> tuple[Account, str] | None:
    """The account with this name and its stored hash (for signing in only), or None."""
    row = connection.execute(
        select(*_PUBLIC, AdminAccount.password_hash).where(AdminAccount.name == normal_name(name))
    ).first()
    return (_account(row), str(row.password_hash)) if row else None


def delete_account(connection: Connection, name: str) -> bool:
    """Delete an account (its sessions go with it); True when there was one."""
    result = connection.execute(delete(AdminAccount).where(AdminAccount.name == normal_name(name)))
    return bool(result.rowcount)


def set_password_hash(connection: Connection, name: str, password_hash: str) -> bool:
    """Replace an account's password and sign it out everywhere; True when it exists."""
    name = normal_name(name)
    account_id = connection.execute(
        select(AdminAccount.id).where(AdminAccount.name == name)
    ).scalar_one_or_none()
    if account_id is None:
        return False
    connection.execute(
        update(AdminAccount)
        .where(AdminAccount.id == account_id)
        .values(password_hash=password_hash)
    )
    connection.execute(delete(AdminSession).where(AdminSession.account_id == account_id))
    return True
