"""Telegram, inwards: updates become the core's `Inbound` messages.

Private chats are one person each; in a group, the bot answers only what is meant for it
(commands, mentions, replies to it), and each member is their own conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Bot, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.messages import Inbound
from channels.telegram.outbound import masked

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ATTACHMENTS = (
    ("photo", filters.PHOTO),
    ("sticker", filters.Sticker.ALL),
    ("voice", filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE),
    ("video", filters.VIDEO | filters.ANIMATION),
    ("location", filters.LOCATION | filters.VENUE),
    ("document", filters.Document.ALL),
    ("contact", filters.CONTACT),
)
# (chat id, the message, the message to answer in a group or None) -> replies sent.
Answer = Callable[[int, Inbound, Message | None], Awaitable[None]]
PTBHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def in_group(message: Message) -> bool:
    """True for group and supergroup chats."""
    return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def addressed_to(bot: Bot, message: Message) -> str | None:
    """In a group: the text meant for the bot (commands, mentions, replies), else None."""
    text = message.text or ""
    mention = f"@{bot.username}"
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        if "@" not in command or command.lower().endswith(mention.lower()):
            return text
        return None
    replied = message.reply_to_message
    replied_by = replied.from_user if replied is not None else None
    if replied_by is not None and replied_by.id == bot.id:
        return text
    if mention.lower() in text.lower():
        start = text.lower().index(mention.lower())
        return (text[:start] + text[start + len(mention) :]).strip()
    return None


def person_of(message: Message, user_id: int | None = None) -> str:
    """Whose conversation this is: the chat, or in a group the member within the chat."""
    member = user_id if user_id is not None else (message.from_user and message.from_user.id)
    if message.chat.type == ChatType.PRIVATE or member is None:
        return str(message.chat.id)
    return f"{message.chat.id}:{member}"


class UpdateReader:
    """PTB handlers that turn updates into `Inbound` messages and pass them to `answer`."""

    def __init__(self, bot: Bot, answer: Answer) -> None:
        self.bot = bot
        self.answer = answer

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Add the handlers; edited messages are ignored (answering an edit again is noise)."""
        app.add_handler(MessageHandler(filters.UpdateType.EDITED, self._ignore))
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_handler(MessageHandler(filters.TEXT, self.on_text))
        for name, kind in ATTACHMENTS:
            app.add_handler(MessageHandler(kind, self._attachment(name)))

    async def on_text(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message or command."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        text: str | None = message.text
        group = in_group(message)
        if group:
            text = addressed_to(self.bot, message)
            if text is None:
                return
        inbound = Inbound(
            channel=CHANNEL,
            user_id=person_of(message),
            text=text,
            message_id=f"u{update.update_id}",
        )
        await self.answer(message.chat.id, inbound, message if group else None)

    def _attachment(self, kind: str) -> PTBHandler:
        async def handle(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if message is None or in_group(message):
                return  # in a group, answering every photo would be noise
            inbound = Inbound(
                channel=CHANNEL,
                user_id=person_of(message),
                attachment=kind,
                message_id=f"u{update.update_id}",
            )
            await self.answer(message.chat.id, inbound, None)

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
        inbound = Inbound(
            channel=CHANNEL,
            user_id=person_of(message, query.from_user.id),
            action=query.data or "",
            message_id=f"u{update.update_id}",
        )
        await self.answer(message.chat.id, inbound, None)

    async def _ignore(self, _update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        return


def failure_logger(
    bot: Bot, apology: Callable[[], str]
) -> Callable[[object, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    """PTB's error handler: log with context (never the message text) and tell the person
    something went wrong."""

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
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
            try:
                await bot.send_message(chat_id, apology())
            except TelegramError:
                log.warning("telegram: could not tell chat %s about the failure", masked(chat_id))

    return on_error
