"""Signed-in sessions and failed sign-ins in the database.

The browser holds a random token; the database holds only its SHA-256, so a copy of the
database cannot be used to sign in. The CSRF token of a session is derived from its token
(an HMAC), so it needs no storage and is worthless without the cookie. Failed sign-ins are
stored (not kept in memory) so that the limits hold across processes and restarts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute

from bot.admin.accounts import Account, account_by_id, normal_name
from bot.storage.admin_tables import AdminAccount, AdminLoginFailure, AdminSession

# Failed sign-ins counted over this window: at most this many per account name tried (so a
# password cannot be guessed) and per client address (so names cannot be sprayed).
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_CLIENT = 20
FAILURES_KEPT = dt.timedelta(days=1)


def new_token() -> str:
    """A fresh random session token (256 bits), for the cookie."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(token: str, purpose: str = "csrf") -> str:
    """The CSRF token that forms of the session with this token must carry."""
    return hmac.new(token.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def same_token(expected: str, given: str) -> bool:
    """Compare two tokens in constant time."""
    return hmac.compare_digest(expected.encode(), given.encode())


def open_session(
    connection: Connection, account_id: int, hashed: str, now: dt.datetime, length: dt.timedelta
) -> None:
    """Store a new session for the account, note the sign-in, and drop expired sessions."""
    connection.execute(delete(AdminSession).where(AdminSession.expires_at <= now))
    connection.execute(
        insert(AdminSession).values(
            token_hash=hashed, account_id=account_id, created_at=now, expires_at=now + length
        )
    )
    connection.execute(
        update(AdminAccount).where(AdminAccount.id == account_id).values(last_login_at=now)
    )


def session_account(connection: Connection, hashed: str, now: dt.datetime) -> Account | None:
    """The account signed in with this token hash, or None (unknown or expired)."""
    account_id = connection.execute(
        select(AdminSession.account_id).where(
            AdminSession.token_hash == hashed, AdminSession.expires_at > now
        )
    ).scalar_one_or_none()
    return account_by_id(connection, account_id) if account_id is not None else None


def close_session(connection: Connection, hashed: str) -> None:
    """Sign out: forget the session."""
    connection.execute(delete(AdminSession).where(AdminSession.token_hash == hashed))


def _failures(
    connection: Connection, column: InstrumentedAttribute[str], value: str, since: dt.datetime
) -> int:
    return int(
        connection.execute(
            select(func.count()).where(column == value, AdminLoginFailure.created_at > since)
        ).scalar_one()
    )


def sign_in_allowed(connection: Connection, name: str, client: str, now: dt.datetime) -> bool:
    """False while this account name or this client address has failed too often lately."""
    since = now - FAILURE_WINDOW
    name, client = normal_name(name)[:64], client[:64]
    return (
        _failures(connection, AdminLoginFailure.account_name, name, since) < MAX_FAILURES_PER_NAME
        and _failures(connection, AdminLoginFailure.client, client, since) < MAX_FAILURES_PER_CLIENT
    )


def record_failure(connection: Connection, name: str, client: str, now: dt.datetime) -> None:
    """Count a failed sign-in; failures older than a day are dropped meanwhile."""
    connection.execute(
        delete(AdminLoginFailure).where(AdminLoginFailure.created_at < now - FAILURES_KEPT)
    )
    connection.execute(
        insert(AdminLoginFailure).values(
            account_name=normal_name(name)[:64], client=client[:64], created_at=now
        )
    )


def clear_failures(connection: Connection, name: str) -> None:
    """After a successful sign-in, the account's failures no longer count."""
    connection.execute(
        delete(AdminLoginFailure).where(AdminLoginFailure.account_name == normal_name(name)[:64])
    )
