"""The webhook secret when TELEGRAM_WEBHOOK_SECRET is not set: generated once, kept in the
database (the channel-credentials table, under its own name) and reused after restarts and
by every process sharing the database. The log says once that it was generated, never its
value.
"""

from __future__ import annotations

import logging
import secrets

from bot.storage.channel_store import ChannelStore

log = logging.getLogger(__name__)

# The row's name in channel_credentials (at most 16 characters); the secret is its
# access_token, and the refresh_token is unused.
STORED_AS = "telegram-webhook"


async def webhook_secret(store: ChannelStore, configured: str | None) -> str:
    """The secret to register with setWebhook and to check on every request."""
    if configured:
        return configured
    candidate = secrets.token_urlsafe(32)  # 43 characters of A-Za-z0-9_-
    # The first process to store one wins; every process then reads the same.
    await store.seed_credentials(candidate, "", name=STORED_AS)
    stored = await store.credentials(STORED_AS)
    assert stored is not None  # seeded just above
    secret = stored[0]
    if secret == candidate:
        # Never the value: Telegram gets it from setWebhook, every process reads it from the
        # database, and a secret in a log is a secret shared with whoever reads the log.
        log.info(
            "telegram: TELEGRAM_WEBHOOK_SECRET is not set, so one was generated and stored in "
            "the database (reused from now on by every process)"
        )
    else:
        log.info("telegram: using the webhook secret stored in the database")
    return secret
