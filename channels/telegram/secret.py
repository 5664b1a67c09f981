"""The webhook secret when TELEGRAM_WEBHOOK_SECRET is not set: generated once, kept in the
database (the channel-credentials table, under its own name) and reused after restarts and
by every process sharing the database. It is printed once, when it is generated.
"""

from __future__ import annotations

import logging
import secrets

from sqlalchemy.engine import Connection

from bot.storage import Database, credentials

log = logging.getLogger(__name__)

# The row's name in channel_credentials (at most 16 characters); the secret is its
# access_token, and the refresh_token is unused.
STORED_AS = "telegram-webhook"


def _load_or_store(connection: Connection, candidate: str) -> str:
    credentials.seed(connection, STORED_AS, candidate, "")
    stored = credentials.load(connection, STORED_AS)
    assert stored is not None  # seeded just above, in the same transaction
    return stored[0]


async def webhook_secret(database: Database, configured: str | None) -> str:
    """The secret to register with setWebhook and to check on every request."""
    if configured:
        return configured
    candidate = secrets.token_urlsafe(32)  # 43 characters of A-Za-z0-9_-
    secret = await database.run(_load_or_store, candidate)
    if secret == candidate:
        log.info(
            "telegram: TELEGRAM_WEBHOOK_SECRET is not set, so one was generated and stored in "
            "the database (reused from now on; shown only this once): %s",
            secret,
        )
    else:
        log.info("telegram: using the webhook secret stored in the database")
    return secret
