"""`@bot bluezone` in any chat: guide and topic cards that open the bot (inline mode)."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.i18n import translations
from bot.port import Core
from bot.share import ShareCard, share_cards

log = logging.getLogger(__name__)

QUERY_CHARACTERS = 200
CACHE_SECONDS = 300


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def article(card: ShareCard, username: str) -> InlineQueryResultArticle:
    """One card: the title and summary as the forwarded message, a button that opens the bot."""
    return InlineQueryResultArticle(
        id=f"{card.kind}:{card.item_id}"[:64],
        title=card.title,
        description=card.summary,
        input_message_content=InputTextMessageContent(
            f"<b>{_escape(card.title)}</b>\n{_escape(card.summary)}", parse_mode=ParseMode.HTML
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


class InlineCards:
    """Answers inline queries with share cards found by the core's matcher."""

    def __init__(
        self,
        core: Core,
        locales_dir: Path,
        default_locale: str,
        call: Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]],
    ) -> None:
        self.core = core
        self.locales_dir = locales_dir
        self.default_locale = default_locale
        self.call = call  # the channel's retry layer

    async def on_inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Cards for what the person typed after the bot's name."""
        query = update.inline_query
        if query is None:
            return
        language = (query.from_user.language_code or "")[:2]
        locale = language if language in self.core.content.locales else self.default_locale
        catalog = translations(self.locales_dir, locale)
        cards = share_cards(
            self.core.content,
            self.core.understander,
            catalog,
            query.query[:QUERY_CHARACTERS],
            locale,
        )
        username = context.bot.username
        results = [article(card, username) for card in cards]

        async def answer() -> Any:
            return await query.answer(results, cache_time=CACHE_SECONDS, is_personal=False)

        try:
            await self.call(answer)
        except BadRequest as error:  # too late (Telegram waits a few seconds) or a bad id
            log.warning("telegram: an inline query could not be answered: %s", error)
