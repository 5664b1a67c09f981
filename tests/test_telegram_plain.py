"""The plain shapes read without python-telegram-bot: exactly the private text messages and
button presses, and nothing PTB should see instead."""

from __future__ import annotations

from typing import Any

from channels.telegram.plain import read_plain


def message(chat: dict[str, Any], text: Any = "cài bluezone") -> dict[str, Any]:
    return {
        "update_id": 7,
        "message": {"message_id": 1, "date": 0, "chat": chat, "text": text},
    }


PRIVATE = {"id": 42, "type": "private", "first_name": "A"}


def test_a_private_text_message_is_plain() -> None:
    plain = read_plain(message(PRIVATE))
    assert plain is not None
    assert (plain.chat_id, plain.callback_id) == (42, None)
    inbound = plain.inbound
    assert (inbound.channel, inbound.user_id, inbound.text, inbound.message_id) == (
        "telegram",
        "42",
        "cài bluezone",
        "u7",
    )


def test_a_private_button_press_is_plain() -> None:
    update = {
        "update_id": 8,
        "callback_query": {
            "id": "q1",
            "from": {"id": 42, "is_bot": False, "first_name": "A"},
            "message": {"message_id": 3, "date": 0, "chat": PRIVATE},
            "data": "t:bluezone.install",
        },
    }
    plain = read_plain(update)
    assert plain is not None
    assert (plain.chat_id, plain.callback_id, plain.inbound.action) == (
        42,
        "q1",
        "t:bluezone.install",
    )


def test_everything_else_goes_to_ptb() -> None:
    group = {"id": -5, "type": "supergroup", "title": "G"}
    not_plain = [
        message(group),  # groups: addressing rules live in inbound.py
        message(PRIVATE, text=None),  # a photo, a sticker
        message(PRIVATE, text=""),
        message(PRIVATE, text=["not", "text"]),
        message({"id": "42", "type": "private"}),  # an id that is not a number
        message({"id": True, "type": "private"}),
        {**message(PRIVATE), "edited_message": {}},  # anything beside the message
        {"update_id": 9, "edited_message": message(PRIVATE)["message"]},
        {"update_id": 9, "inline_query": {"id": "1", "query": "x"}},
        {"update_id": "9", "message": message(PRIVATE)["message"]},
        {"update_id": 9, "callback_query": {"id": 1, "data": "x", "message": {"chat": PRIVATE}}},
        {"update_id": 9, "callback_query": {"id": "1", "message": {"chat": PRIVATE}}},
        {"update_id": 9, "callback_query": {"id": "1", "data": "x", "message": {"chat": group}}},
    ]
    assert [read_plain(update) for update in not_plain] == [None] * len(not_plain)
