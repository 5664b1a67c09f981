"""Telegram through python-telegram-bot: the channel's wiring and lifecycle.

No conversation logic lives here, and no sending or reading of updates either: inbound.py
turns updates into `Inbound` messages, outbound.py sends the core's replies and broadcast
deliveries (render.py lays them out), inline.py answers inline queries. One process: in
webhook mode updates arrive on our aiohttp server (`POST /telegram/webhook`, the
custom-webhook pattern: `Application.builder().updater(None)`; webhook.py stores them and
updates.py hands them to the application in order per chat), otherwise the application's
updater long-polls. connection.py brings the channel up in the background, so an
unreachable Bot API never holds up the server.
"""

from __future__ import annotations

import contextlib
import logging
from functools import partial
from typing import Any

from telegram import BotCommand, Message
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, InlineQueryHandler

from bot.delivery import Outcome
from bot.health import ChannelHealth
from bot.i18n import translations
from bot.messages import Inbound, Outbound
from bot.port import Core
from bot.settings import Settings
from bot.storage.channel_store import ChannelStore
from bot.tickets.service import LiveSupport
from channels.telegram.commands import COMMANDS
from channels.telegram.config import TelegramSettings
from channels.telegram.connection import Connection
from channels.telegram.inbound import CHANNEL, UpdateReader, failure_logger
from channels.telegram.inline import InlineCards
from channels.telegram.operators import operator_group
from channels.telegram.outbound import TelegramOutbound, masked
from channels.telegram.plain import PlainUpdate
from channels.telegram.request import AiohttpRequest
from channels.telegram.updates import UpdateInbox
from channels.telegram.webhook import SecretGuard, WebhookReceiver

log = logging.getLogger(__name__)

FREE_BULK_RATE = 30  # messages per second (docs/facts.md §7, Telegram)
CONNECTIONS = 64  # replies and broadcast workers share them
CHATS_AT_ONCE = 16  # webhook updates of this many chats handled at once (each chat in order)


class TelegramChannel:
    """The Telegram adapter: the core behind it, its own storage, one PTB application."""

    channel = CHANNEL

    def __init__(
        self,
        core: Core,
        store: ChannelStore,
        settings: TelegramSettings,
        core_settings: Settings,
        serving: bool = True,
        health: ChannelHealth | None = None,
        support: LiveSupport | None = None,
    ) -> None:
        self.core = core
        self.store = store
        self.settings = settings
        self.core_settings = core_settings
        self.serving = serving
        self.rate = settings.broadcast_rate
        if self.rate > FREE_BULK_RATE and not settings.paid_broadcast:
            log.warning(
                "telegram: TELEGRAM_BROADCAST_RATE %.0f is above the %d/s Telegram allows for "
                "bulk sends without TELEGRAM_PAID_BROADCAST; expect 429s",
                self.rate,
                FREE_BULK_RATE,
            )
        polling = AiohttpRequest(connections=1)
        builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(settings.token)
            .base_url(settings.api_base_url)
            .request(AiohttpRequest(connections=CONNECTIONS))
            .get_updates_request(polling)
        )
        if settings.webhook_url:
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        bot = self.application.bot
        self.outbound = TelegramOutbound(bot, settings, partial(core.mark_unreachable, CHANNEL))
        self.reader = UpdateReader(bot, self._answer)
        # The operators' group (live support), when OPERATOR_TELEGRAM_CHAT_ID is set.
        self.operators = operator_group(
            settings.operator_chat_id if serving else None,
            bot,
            self.outbound,
            support,
            lambda: self.up,
        )
        self.inline = InlineCards(
            core, core_settings.locales_dir, core_settings.default_locale, self.outbound.call
        )
        self._register()
        self.connection = Connection(self, health or ChannelHealth())
        polling.answered = self.connection.polled
        self.guard = SecretGuard(settings.webhook_secret)
        self.updates = UpdateInbox(store, self.application, CHATS_AT_ONCE)
        self.updates.plain = self._plain
        self.receiver = WebhookReceiver(self.guard, self.updates, bot)

    def _register(self) -> None:
        app = self.application
        if self.operators is not None:  # first: the operators' chat never reaches the flows
            self.operators.register(app)
        app.add_handler(InlineQueryHandler(self.inline.on_inline_query))
        self.reader.register(app)
        app.add_error_handler(failure_logger(app.bot, self._apology))

    def _apology(self) -> str:
        catalog = translations(self.core_settings.locales_dir, self.core_settings.default_locale)
        return catalog.gettext("Sorry, something went wrong. Please try again.")

    async def start(self) -> None:
        """Connect in the background (retried until the Bot API answers); see connection.py."""
        await self.connection.start()

    async def stop(self) -> None:
        """Stop trying, finish the updates under way, and close the connection."""
        await self.connection.stop()

    @property
    def up(self) -> bool:
        """True while connected to the Bot API."""
        return self.connection.up

    async def publish_commands(self) -> None:
        """The command menu (setMyCommands), in every language and as the default."""
        bot = self.application.bot
        locales_dir = self.core_settings.locales_dir
        for locale in self.core.content.locales:
            catalog = translations(locales_dir, locale)
            commands = [BotCommand(name, catalog.gettext(text)) for name, text in COMMANDS]
            await self.outbound.call(partial(bot.set_my_commands, commands, language_code=locale))
        default = translations(locales_dir, self.core_settings.default_locale)
        commands = [BotCommand(name, default.gettext(text)) for name, text in COMMANDS]
        await self.outbound.call(partial(bot.set_my_commands, commands))

    async def _plain(self, plain: PlainUpdate) -> None:
        """A private message or button press read without PTB (plain.py); a failure is
        logged and the person told, as PTB's error handler does for the rest."""
        try:
            if plain.callback_id is not None:
                await self.outbound.answer_callback(plain.callback_id)
            await self._answer(plain.chat_id, plain.inbound, None)
        except Exception as error:
            log.error(
                "telegram: an update in chat %s failed", masked(plain.chat_id), exc_info=error
            )
            with contextlib.suppress(TelegramError):
                await self.application.bot.send_message(plain.chat_id, self._apology())

    async def _answer(self, chat_id: int, inbound: Inbound, in_reply_to: Message | None) -> None:
        replies = await self.core.handle(inbound)
        reply_to = in_reply_to.message_id if in_reply_to is not None else None
        await self.outbound.send(chat_id, replies, inbound.user_id, reply_to)

    async def deliver(self, external_id: str, message: Outbound) -> Outcome:
        """One broadcast message (outbound.py); retried later while the Bot API is away."""
        if not self.up:
            return Outcome("retry", "telegram_unreachable")
        return await self.outbound.deliver(external_id, message)

    async def show_progress(self, external_id: str, ref: str | None, text: str) -> str | None:
        """An admin's broadcast progress message, posted or edited in place (outbound.py)."""
        if not self.up:
            return None
        return await self.outbound.show_progress(external_id, ref, text)
