"""The common update shapes read straight from Telegram's JSON, without python-telegram-bot.

A private chat's typed message and a button press in a private chat are most of the traffic
after a reminder. Building PTB's `Update` and `Message` objects and running its handler
machinery cost about two thirds of a Telegram turn's CPU (bench/telegram_cpu.py), so these
two shapes are read here into the core's `Inbound`; everything else (groups, inline
queries, attachments, edits, anything with a field we do not read) still goes through PTB
(inbound.py). The reading is strict: a payload is plain only when every field it relies on
has the type the Bot API documents (docs/facts.md §7), otherwise PTB gets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.messages import Inbound

CHANNEL = "telegram"


@dataclass(frozen=True, slots=True)
class PlainUpdate:
    """A private chat's message or button press, as the core will see it."""

    chat_id: int
    inbound: Inbound
    callback_id: str | None = None  # a button press's query, to be answered


def _private_chat(message: Any) -> int | None:
    """The chat id of a message in a private chat, else None."""
    if not isinstance(message, dict):
        return None
    chat = message.get("chat")
    if not isinstance(chat, dict) or chat.get("type") != "private":
        return None
    chat_id = chat.get("id")
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        return None
    return chat_id


def read_plain(payload: dict[str, Any]) -> PlainUpdate | None:
    """The update as a `PlainUpdate` when it has one of the two plain shapes, else None."""
    number = payload.get("update_id")
    if not isinstance(number, int) or isinstance(number, bool) or len(payload) != 2:
        return None
    message_id = f"u{number}"
    message = payload.get("message")
    if message is not None:
        chat_id = _private_chat(message)
        text = message.get("text") if isinstance(message, dict) else None
        if chat_id is None or not isinstance(text, str) or not text:
            return None
        return PlainUpdate(
            chat_id, Inbound(CHANNEL, str(chat_id), text=text, message_id=message_id)
        )
    query = payload.get("callback_query")
    if not isinstance(query, dict):
        return None
    chat_id = _private_chat(query.get("message"))
    query_id, data = query.get("id"), query.get("data")
    if chat_id is None or not isinstance(query_id, str) or not isinstance(data, str):
        return None
    inbound = Inbound(CHANNEL, str(chat_id), action=data, message_id=message_id)
    return PlainUpdate(chat_id, inbound, callback_id=query_id)
