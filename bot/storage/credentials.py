"""A channel's access and refresh tokens, swapped atomically (a refresh token is single use).

Values are stored encrypted (`bot/storage/sealing.py`). A pair stored in clear by an older
version is read as it is and rewritten encrypted in the same transaction. Every value read
is also handed to the log filter, so that it is masked should a library log it.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from bot.redaction import remember
from bot.storage import dialect
from bot.storage.models import ChannelCredentials, utcnow
from bot.storage.sealing import is_sealed, sealer_of


def _stored(connection: Connection, channel: str) -> tuple[str, str] | None:
    """The pair as stored (sealed or not), locked for this transaction on PostgreSQL."""
    row = connection.execute(
        select(ChannelCredentials.access_token, ChannelCredentials.refresh_token)
        .where(ChannelCredentials.channel == channel)
        .with_for_update()
    ).first()
    return (row.access_token, row.refresh_token) if row else None


def load(connection: Connection, channel: str) -> tuple[str, str] | None:
    """(access token, refresh token), or None when none are stored."""
    stored = _stored(connection, channel)
    if stored is None:
        return None
    sealer = sealer_of(connection)
    access, refresh = (sealer.open(value) for value in stored)
    remember(access, refresh)
    if not all(is_sealed(value) for value in stored):
        # Stored in clear by an older version: encrypt it now, once.
        connection.execute(
            update(ChannelCredentials)
            .where(ChannelCredentials.channel == channel)
            .values(access_token=sealer.seal(access), refresh_token=sealer.seal(refresh))
        )
    return access, refresh


def seed(connection: Connection, channel: str, access_token: str, refresh_token: str) -> None:
    """Store the first pair (from the settings) unless a pair is stored already."""
    sealer = sealer_of(connection)
    connection.execute(
        dialect.insert(connection, ChannelCredentials)
        .values(
            channel=channel,
            access_token=sealer.seal(access_token),
            refresh_token=sealer.seal(refresh_token),
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )


def replace(
    connection: Connection, channel: str, used_refresh: str, access_token: str, refresh_token: str
) -> bool:
    """Store a new pair only if the stored refresh token is still the one just used.

    False means another process refreshed first: its pair is the one to use. Encrypted
    values differ each time, so the comparison is made in clear, and the update applies
    only to the exact stored value compared (a compare-and-swap).
    """
    stored = _stored(connection, channel)
    sealer = sealer_of(connection)
    if stored is None or sealer.open(stored[1]) != used_refresh:
        return False
    result = connection.execute(
        update(ChannelCredentials)
        .where(
            ChannelCredentials.channel == channel,
            ChannelCredentials.refresh_token == stored[1],
        )
        .values(
            access_token=sealer.seal(access_token),
            refresh_token=sealer.seal(refresh_token),
            updated_at=utcnow(),
        )
    )
    remember(access_token, refresh_token)
    return bool(result.rowcount)
