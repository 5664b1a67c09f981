"""Bringing the Telegram channel up without holding anything else up.

`helpdesk serve` must keep serving the web chat and Zalo when the Bot API cannot be reached
(a firewall, an outage, a wrong TELEGRAM_API_BASE_URL): connecting (getMe, the command menu,
setWebhook or the start of long polling) runs in the background under
`bot.health.keep_trying`, with backoff, and a failed attempt closes what it opened. A token
the Bot API refuses (401, or 404 for a malformed one) stops only this channel, with a message
naming TELEGRAM_BOT_TOKEN. While polling, a lost connection shows in the channel's health
until a poll succeeds again. The token never appears in an error line: it is part of every
Bot API address.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.health import BACKOFF_SECONDS, ChannelHealth, ChannelRefused, ChannelState, keep_trying
from bot.health import one_line as error_line
from bot.storage.channel_store import ChannelStore
from channels.telegram.config import WEBHOOK_PATH, TelegramSettings
from channels.telegram.secret import webhook_secret
from channels.telegram.updates import UpdateInbox
from channels.telegram.webhook import SecretGuard

log = logging.getLogger(__name__)

CHANNEL = "telegram"


class Connectable(Protocol):
    """What the connection needs of the channel (adapter.py's TelegramChannel)."""

    store: ChannelStore
    settings: TelegramSettings
    serving: bool
    application: Application[Any, Any, Any, Any, Any, Any]
    guard: SecretGuard
    updates: UpdateInbox

    async def publish_commands(self) -> None:
        """Set the bot's command menu."""


class Connection:
    """The channel's link to the Bot API: made in the background, retried, and closed."""

    def __init__(
        self,
        channel: Connectable,
        health: ChannelHealth,
        backoff: Sequence[float] = BACKOFF_SECONDS,
    ) -> None:
        self.channel = channel
        self.health = health
        # Seconds between attempts; tests make them tiny.
        self.backoff = backoff
        self.up = False
        self._task: asyncio.Task[None] | None = None
        self._tried = asyncio.Event()

    async def start(self) -> None:
        """Resolve the webhook secret, then connect in the background.

        `helpdesk broadcast run` (not serving) waits for the first attempt, so that a
        reachable Bot API is used from its first delivery; it never waits for a retry.
        """
        channel = self.channel
        if channel.serving and channel.settings.webhook_url:
            channel.guard.secret = await webhook_secret(
                channel.store, channel.settings.webhook_secret
            )
        self._task = asyncio.create_task(
            keep_trying(CHANNEL, self._attempt, self.health, self.backoff)
        )
        if not channel.serving:
            await self._tried.wait()

    async def stop(self) -> None:
        """Stop trying, finish (or leave stored) the updates under way, and disconnect."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.channel.updates.close()
        self.up = False
        await self._disconnect()

    async def _attempt(self) -> None:
        try:
            await self._connect()
        except InvalidToken as error:
            await self._disconnect()
            cause = error.__cause__ if isinstance(error.__cause__, InvalidToken) else error
            answer = cause.message.replace(self.channel.settings.token, "<TELEGRAM_BOT_TOKEN>")
            raise ChannelRefused(
                f"TELEGRAM_BOT_TOKEN was refused by the Bot API ({answer}): check the token "
                "BotFather gave, and TELEGRAM_API_BASE_URL if it is set"
            ) from None
        except asyncio.CancelledError:
            await self._disconnect()
            raise
        except Exception as error:
            await self._disconnect()
            token = self.channel.settings.token
            if token in str(error):
                raise TelegramError(str(error).replace(token, "<TELEGRAM_BOT_TOKEN>")) from None
            raise
        finally:
            self._tried.set()

    async def _connect(self) -> None:
        channel = self.channel
        app = channel.application
        await app.initialize()
        if not channel.serving:
            self.up = True
            return  # send only (`helpdesk broadcast run`): a running `serve` keeps the updates
        await channel.publish_commands()
        if channel.settings.webhook_url:
            await app.bot.set_webhook(
                channel.settings.webhook_url,
                secret_token=channel.guard.secret,
                allowed_updates=Update.ALL_TYPES,
            )
            await app.start()
            log.info("telegram: webhook registered, updates arrive at %s", WEBHOOK_PATH)
        else:
            await app.bot.delete_webhook()
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(
                allowed_updates=Update.ALL_TYPES, error_callback=self._polling_failed
            )
            log.info("telegram: long polling as @%s", app.bot.username)
        self.up = True
        # Updates stored but not handled by an earlier run (a crash, a stop) go first.
        await channel.updates.resume()

    async def _disconnect(self) -> None:
        """Close whatever is open; safe to call in any state."""
        self.up = False
        app = self.channel.application
        steps = []
        if app.updater is not None and app.updater.running:
            steps.append(app.updater.stop)
        if app.running:
            steps.append(app.stop)
        steps += [app.shutdown, app.bot.shutdown]  # the bot's sessions even if half-initialized
        for step in steps:
            try:
                await step()
            except Exception as error:
                log.debug("telegram: while disconnecting: %s", error_line(error))

    def _polling_failed(self, error: TelegramError) -> None:
        """PTB's long polling hit an error (it retries by itself): show it in the health."""
        text = error_line(error).replace(self.channel.settings.token, "<TELEGRAM_BOT_TOKEN>")
        self.health.set(CHANNEL, ChannelState.RETRYING, text)

    def polled(self, status: int) -> None:
        """A long poll was answered: after a polling error, the channel is up again."""
        if status == 200 and self.up:
            self.health.set(CHANNEL, ChannelState.UP)
