"""Telegram through python-telegram-bot: updates in, the core's replies out.

Still over 300 lines: wiring, group addressing, inline queries, sending with retries and
broadcast delivery remain here (the webhook, ordering, connection and check moved out);
splitting inbound from outbound is the next step of the architecture issue.

No conversation logic lives here: updates become `Inbound` messages, replies are rendered
by render.py. One process: in webhook mode updates arrive on our aiohttp server
(`POST /telegram/webhook`, the custom-webhook pattern: `Application.builder().updater(None)`;
webhook.py stores them and updates.py hands them to the application in order per chat),
otherwise the application's updater long-polls. connection.py brings the channel up in the
background, so an unreachable Bot API never holds up the server.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.broadcasts.sender import Outcome, Spacing
from bot.engine import Engine
from bot.health import ChannelHealth
from bot.i18n import translations
from bot.messages import Inbound, Outbound
from bot.settings import Settings
from bot.share import share_cards
from channels.telegram.commands import COMMANDS
from channels.telegram.config import TelegramSettings
from channels.telegram.connection import Connection
from channels.telegram.render import TelegramMessage, render
from channels.telegram.request import AiohttpRequest
from channels.telegram.updates import UpdateInbox
from channels.telegram.webhook import SecretGuard, WebhookReceiver

log = logging.getLogger(__name__)

CHANNEL = "telegram"
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0)
FREE_BULK_RATE = 30  # messages per second (facts.md, Telegram)
CONNECTIONS = 64  # replies and broadcast workers share them
CHATS_AT_ONCE = 16  # webhook updates of this many chats handled at once (each chat in order)
ATTACHMENTS = (
    ("photo", filters.PHOTO),
    ("sticker", filters.Sticker.ALL),
    ("voice", filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE),
    ("video", filters.VIDEO | filters.ANIMATION),
    ("location", filters.LOCATION | filters.VENUE),
    ("document", filters.Document.ALL),
    ("contact", filters.CONTACT),
)
T = TypeVar("T")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
NO_PREVIEW_JSON = NO_PREVIEW.to_json()  # strings are sent as they are: encoded once
# do_api_request warns that Bot.send_message exists; _send_unparsed says why it is not used.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


def masked(chat_id: int | str) -> str:
    """A chat id for logs: enough to correlate, not enough to identify a person."""
    text = str(chat_id)
    return f"…{text[-4:]}"


class TelegramChannel:
    """The Telegram adapter bound to an engine."""

    channel = CHANNEL

    def __init__(
        self,
        engine: Engine,
        settings: TelegramSettings,
        core: Settings,
        serving: bool = True,
        health: ChannelHealth | None = None,
    ) -> None:
        # Opt in to what PTB makes the default in its next major version: durations such as
        # RetryAfter.retry_after as timedelta (PTB reads this at each access; see
        # telegram/_utils/datetime.py, get_timedelta_value).
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.engine = engine
        self.settings = settings
        self.core = core
        self.serving = serving
        self.rate = settings.broadcast_rate
        if self.rate > FREE_BULK_RATE and not settings.paid_broadcast:
            log.warning(
                "telegram: TELEGRAM_BROADCAST_RATE %.0f is above the %d/s Telegram allows for "
                "bulk sends without TELEGRAM_PAID_BROADCAST; expect 429s",
                self.rate,
                FREE_BULK_RATE,
            )
        # Bot API FAQ: no more than one message per second in a single chat (bulk sends).
        self.per_chat = Spacing(1.0)
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
        self._register()
        self.connection = Connection(self, health or ChannelHealth())
        polling.answered = self.connection.polled
        self.guard = SecretGuard(settings.webhook_secret)
        self.updates = UpdateInbox(engine.database, self.application, CHATS_AT_ONCE)
        self.receiver = WebhookReceiver(self.guard, self.updates, self.application.bot)

    # --- wiring -------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.application
        # Edited messages are ignored: answering an edit again would be noise.
        app.add_handler(MessageHandler(filters.UpdateType.EDITED, self._ignore))
        app.add_handler(InlineQueryHandler(self.on_inline_query))
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_handler(MessageHandler(filters.TEXT, self.on_text))
        for name, kind in ATTACHMENTS:
            app.add_handler(MessageHandler(kind, self._attachment_handler(name)))
        app.add_error_handler(self.on_error)

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
        for locale in self.engine.content.locales:
            catalog = translations(self.core.locales_dir, locale)
            commands = [BotCommand(name, catalog.gettext(text)) for name, text in COMMANDS]
            await self._call(
                partial(self.application.bot.set_my_commands, commands, language_code=locale)
            )
        default = translations(self.core.locales_dir, self.core.default_locale)
        commands = [BotCommand(name, default.gettext(text)) for name, text in COMMANDS]
        await self._call(partial(self.application.bot.set_my_commands, commands))

    # --- updates ------------------------------------------------------------------------

    def _in_group(self, message: Message) -> bool:
        return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)

    def _addressed_to_us(self, message: Message) -> str | None:
        """In a group: the text meant for the bot (commands, mentions, replies), else None."""
        text = message.text or ""
        username = self.application.bot.username
        mention = f"@{username}"
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            if "@" not in command or command.lower().endswith(mention.lower()):
                return text
            return None
        replied = message.reply_to_message
        replied_by = replied.from_user if replied is not None else None
        if replied_by is not None and replied_by.id == self.application.bot.id:
            return text
        if mention.lower() in text.lower():
            start = text.lower().index(mention.lower())
            return (text[:start] + text[start + len(mention) :]).strip()
        return None

    @staticmethod
    def _person(message: Message) -> str:
        """Whose conversation this is: the chat, or in a group the member within the chat."""
        if message.chat.type == ChatType.PRIVATE or message.from_user is None:
            return str(message.chat.id)
        return f"{message.chat.id}:{message.from_user.id}"

    async def on_text(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message or command."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        text: str | None = message.text
        if self._in_group(message):
            text = self._addressed_to_us(message)
            if text is None:
                return
        inbound = Inbound(
            channel=CHANNEL,
            user_id=self._person(message),
            text=text,
            message_id=f"u{update.update_id}",
        )
        await self._answer(message.chat.id, inbound, message if self._in_group(message) else None)

    def _attachment_handler(
        self, kind: str
    ) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
        async def handle(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if message is None or self._in_group(message):
                return  # in a group, answering every photo would be noise
            inbound = Inbound(
                channel=CHANNEL,
                user_id=self._person(message),
                attachment=kind,
                message_id=f"u{update.update_id}",
            )
            await self._answer(message.chat.id, inbound, None)

        return handle

    async def on_callback(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: always answered (the spinner stops), then handled by the core."""
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
        except TelegramError as error:
            log.warning("telegram: could not answer a callback query: %s", error)
        message = query.message
        if not isinstance(message, Message):
            return
        person = (
            str(message.chat.id)
            if message.chat.type == ChatType.PRIVATE
            else f"{message.chat.id}:{query.from_user.id}"
        )
        inbound = Inbound(
            channel=CHANNEL,
            user_id=person,
            action=query.data or "",
            message_id=f"u{update.update_id}",
        )
        await self._answer(message.chat.id, inbound, None)

    async def on_inline_query(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """`@bot bluezone` in any chat: guide and topic cards that open the bot."""
        query = update.inline_query
        if query is None:
            return
        locale = "en" if (query.from_user.language_code or "").startswith("en") else "vi"
        catalog = translations(self.core.locales_dir, locale)
        cards = share_cards(
            self.engine.content, self.engine.understander, catalog, query.query[:200], locale
        )
        username = self.application.bot.username
        results = [
            InlineQueryResultArticle(
                id=f"{card.kind}:{card.item_id}"[:64],
                title=card.title,
                description=card.summary,
                input_message_content=InputTextMessageContent(
                    f"<b>{_escape(card.title)}</b>\n{_escape(card.summary)}",
                    parse_mode=ParseMode.HTML,
                ),
                reply_markup=InlineKeyboardMarkup(
                    [
                        [
                            InlineKeyboardButton(
                                card.button, url=f"https://t.me/{username}?start={card.payload}"
                            )
                        ]
                    ]
                ),
            )
            for card in cards
        ]
        await self._call(partial(query.answer, results, cache_time=300, is_personal=False))

    async def _ignore(self, _update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        return

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log with context (never the message text) and tell the person something went wrong."""
        chat = update.effective_chat if isinstance(update, Update) else None
        chat_id = chat.id if chat is not None else None
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "telegram: update %s in chat %s failed",
            update_id,
            masked(chat_id) if chat_id is not None else "-",
            exc_info=context.error,
        )
        if chat_id is not None:
            catalog = translations(self.core.locales_dir, self.core.default_locale)
            text = catalog.gettext("Sorry, something went wrong. Please try again.")
            try:
                await self.application.bot.send_message(chat_id, text)
            except TelegramError:
                log.warning("telegram: could not tell chat %s about the failure", masked(chat_id))

    # --- sending ------------------------------------------------------------------------

    async def _answer(self, chat_id: int, inbound: Inbound, in_reply_to: Message | None) -> None:
        replies = await self.engine.handle(inbound)
        await self.send(chat_id, replies, inbound.user_id, in_reply_to)

    async def send(
        self,
        chat_id: int,
        replies: list[Outbound],
        person: str,
        in_reply_to: Message | None = None,
    ) -> None:
        """Send replies in order; stop if the person blocked the bot (and remember it)."""
        bot = self.application.bot
        reply_to = in_reply_to.message_id if in_reply_to is not None else None
        for reply in replies:
            for item in render(reply):
                try:
                    await self._call(partial(self._send_one, bot, chat_id, item, reply_to))
                except Forbidden:
                    log.info(
                        "telegram: chat %s blocked the bot; marked unreachable", masked(chat_id)
                    )
                    await self.engine.mark_unreachable(CHANNEL, person)
                    return
                except BadRequest:
                    log.exception("telegram: a reply to chat %s was refused", masked(chat_id))
                reply_to = None

    async def deliver(self, external_id: str, message: Outbound) -> Outcome:
        """One broadcast message; Telegram's answer as an Outcome (the queue does retries)."""
        if not self.up:
            return Outcome("retry", "telegram_unreachable")
        if not external_id.lstrip("-").isdigit():
            return Outcome("skipped", "not_a_private_chat")
        chat_id = int(external_id)
        try:
            for item in render(message):
                pause = self.per_chat.delay(external_id)
                if pause > 0:
                    await asyncio.sleep(pause)
                if item.contact is not None:
                    await self._send_one(self.application.bot, chat_id, item, None)
                else:
                    await self._send_unparsed(chat_id, item)
        except RetryAfter as error:
            wait = error.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return Outcome("retry", "429", retry_after=seconds)
        except Forbidden:
            await self.engine.mark_unreachable(CHANNEL, external_id)
            return Outcome("skipped", "blocked")
        except BadRequest as error:
            log.warning("telegram: broadcast refused for chat %s: %s", masked(chat_id), error)
            return Outcome("failed", "bad_request")
        except (TimedOut, NetworkError):
            return Outcome("retry", "network")
        return Outcome("sent")

    async def show_progress(self, external_id: str, ref: str | None, text: str) -> str | None:
        """Post an admin's broadcast progress message, or edit it in place (`ref`: its
        message id); if it can no longer be edited (deleted, too old), post a new one."""
        if not self.up or not external_id.lstrip("-").isdigit():
            return None
        chat_id = int(external_id)
        bot = self.application.bot
        try:
            if ref is not None:
                try:
                    await self._call(
                        partial(bot.edit_message_text, text, chat_id=chat_id, message_id=int(ref))
                    )
                    return ref
                except BadRequest as error:
                    if "not modified" in str(error).lower():
                        return ref
            message = await self._call(partial(bot.send_message, chat_id, text))
            return str(message.message_id)
        except TelegramError as error:
            log.warning("telegram: progress message for %s failed: %s", masked(chat_id), error)
            return None

    async def _send_unparsed(self, chat_id: int, item: TelegramMessage) -> None:
        """sendMessage without turning Telegram's answer into a `Message`: for broadcasts,
        which never use the answer. Building a `Message` was two thirds of PTB's CPU time per
        broadcast message (measured with cProfile), so this is what lets one process send
        1,000 a second. PTB still encodes the request and maps errors to exceptions."""
        parameters: dict[str, Any] = {
            "chat_id": chat_id,
            "text": item.text,
            "parse_mode": ParseMode.HTML,
            "reply_markup": item.keyboard,
            "link_preview_options": NO_PREVIEW_JSON,
        }
        if self.settings.paid_broadcast:
            parameters["allow_paid_broadcast"] = True
        await self.application.bot.do_api_request("sendMessage", api_kwargs=parameters)

    @staticmethod
    async def _send_one(bot: Any, chat_id: int, item: TelegramMessage, reply_to: int | None) -> Any:
        if item.contact is not None:
            return await bot.send_contact(
                chat_id,
                phone_number=item.contact.dial,
                first_name=item.contact.name[:64],
                last_name=item.contact.role[:64] or None,
            )
        return await bot.send_message(
            chat_id,
            item.text,
            parse_mode=ParseMode.HTML,
            reply_markup=item.keyboard,
            reply_parameters=ReplyParameters(reply_to) if reply_to is not None else None,
            link_preview_options=NO_PREVIEW,
        )

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        """One Bot API call with Telegram's rules: a 429 waits `retry_after`, network errors
        and 5xx are retried with backoff a bounded number of times, the rest is raised."""
        attempts = self.settings.send_attempts
        for attempt in range(attempts):
            try:
                return await make()
            except RetryAfter as error:
                if attempt == attempts - 1:
                    raise
                wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                log.warning("telegram: rate limited, waiting %.0f s", seconds)
                await asyncio.sleep(seconds)
            except (TimedOut, NetworkError) as error:
                # PTB's BadRequest is a NetworkError too, but retrying it cannot help.
                if isinstance(error, BadRequest) or attempt == attempts - 1:
                    raise
                log.warning("telegram: %s; retrying", type(error).__name__)
                await asyncio.sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)])
        raise AssertionError("unreachable")  # pragma: no cover


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
