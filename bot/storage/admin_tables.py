"""Admin console accounts and sessions (issue 15).

Only what signing in needs: a name, an argon2 hash of the password and a role per account;
a SHA-256 hash of each session token (never the token itself) with its expiry; and failed
sign-ins (name tried, client address, time) for rate limiting, kept only briefly.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow


class AdminAccount(Base):
    """A person who may sign in to the admin console. Roles: admin, operator."""

    __tablename__ = "admin_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="operator")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class AdminSession(Base):
    """A signed-in browser: the SHA-256 of its cookie token, whose account, until when."""

    __tablename__ = "admin_sessions"
    __table_args__ = (
        Index("ix_admin_sessions_account", "account_id"),
        Index("ix_admin_sessions_expires", "expires_at"),
    )

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("admin_accounts.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()


class AdminLoginFailure(Base):
    """A failed sign-in, counted per name tried and per client address, then purged."""

    __tablename__ = "admin_login_failures"
    __table_args__ = (
        Index("ix_admin_login_failures_name", "account_name", "created_at"),
        Index("ix_admin_login_failures_client", "client", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_name: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
