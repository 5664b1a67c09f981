"""Outbound replies as Telegram messages: HTML text, inline keyboards, contact cards.

Telegram facts relied on (Bot API; docs/facts.md §7): message text is 1-4096
characters after entity parsing; `callback_data` is 1-64 bytes; HTML parse mode needs <, >
and & escaped everywhere else.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import Button, Contact, Link, Outbound
from bot.render import bold_as, split_text, written_out

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
# Telegram refuses a text that is empty after entity parsing (400 "message text is empty"):
# a reply with buttons but no words gets this in their place, one without is not sent.
PLACEHOLDER = "👇"
SHORT_LABEL = 18


@dataclass(frozen=True)
class TelegramMessage:
    """One Telegram call to make: a text with an optional keyboard, or a contact card."""

    text: str | None = None
    keyboard: InlineKeyboardMarkup | None = None
    contact: Contact | None = None


def to_html(text: str) -> str:
    """Escape everything, then turn the content's **bold** into <b>."""
    return bold_as(html.escape(text, quote=False), lambda phrase: f"<b>{phrase}</b>")


def visible_length(markup: str) -> int:
    """How long Telegram counts an HTML text: tags removed, entities decoded."""
    return len(html.unescape(re.sub(r"<[^>]+>", "", markup)))


def keyboard(buttons: tuple[Button, ...], links: tuple[Link, ...]) -> InlineKeyboardMarkup | None:
    """Buttons as an inline keyboard: two short ones per row, long ones alone; links last."""
    rows: list[list[InlineKeyboardButton]] = []
    pending: list[InlineKeyboardButton] = []
    for button in buttons:
        if len(button.action.encode()) > CALLBACK_DATA_LIMIT:
            log.error("button %r dropped: its action is over 64 bytes", button.action[:20])
            continue
        item = InlineKeyboardButton(button.label, callback_data=button.action)
        if len(button.label) <= SHORT_LABEL:
            pending.append(item)
            if len(pending) == 2:
                rows.append(pending)
                pending = []
        else:
            if pending:
                rows.append(pending)
                pending = []
            rows.append([item])
    if pending:
        rows.append(pending)
    rows += [[InlineKeyboardButton(link.label, url=link.url)] for link in links]
    return InlineKeyboardMarkup(rows) if rows else None


def blank(markup: str) -> bool:
    """True when Telegram would see no text at all (only spaces, or empty tags)."""
    return not html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()


def render(reply: Outbound) -> list[TelegramMessage]:
    """The Telegram messages for one reply, in order; never a blank text."""
    texts = split_text(written_out(reply), TEXT_LIMIT)
    pieces = [piece for piece in map(to_html, texts) if not blank(piece)]
    buttons = keyboard(reply.buttons, reply.links)
    if not pieces and buttons is not None:
        pieces = [PLACEHOLDER]
    messages = [TelegramMessage(text=piece) for piece in pieces]
    if messages and buttons is not None:
        messages[-1] = TelegramMessage(text=messages[-1].text, keyboard=buttons)
    messages += [TelegramMessage(contact=contact) for contact in reply.contacts]
    return messages
