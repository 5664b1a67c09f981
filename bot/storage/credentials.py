"""A channel's access and refresh tokens, swapped atomically (a refresh token is single use)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from bot.storage.models import ChannelCredentials, utcnow


def load(connection: Connection, channel: str) -> tuple[str, str] | None:
    """(access token, refresh token), or None when none are stored."""
    row = connection.execute(
        select(ChannelCredentials.access_token, ChannelCredentials.refresh_token).where(
            ChannelCredentials.channel == channel
        )
    ).first()
    return (row.access_token, row.refresh_token) if row else None


def seed(connection: Connection, channel: str, access_token: str, refresh_token: str) -> None:
    """Store the first pair (from the settings) unless a pair is stored already."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    connection.execute(
        insert(ChannelCredentials)
        .values(
            channel=channel,
            access_token=access_token,
            refresh_token=refresh_token,
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )


def replace(
    connection: Connection, channel: str, used_refresh: str, access_token: str, refresh_token: str
) -> bool:
    """Store a new pair only if the stored refresh token is still the one just used.

    False means another process refreshed first: its pair is the one to use.
    """
    result = connection.execute(
        update(ChannelCredentials)
        .where(
            ChannelCredentials.channel == channel,
            ChannelCredentials.refresh_token == used_refresh,
        )
        .values(access_token=access_token, refresh_token=refresh_token, updated_at=utcnow())
    )
    return bool(result.rowcount)
