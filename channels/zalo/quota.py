"""Zalo's reply window and reply quota, per person (the rules and their sources: wire.py).

Each message a person sends opens a window of 48 hours in which the OA may answer it with up
to 8 messages. We count the messages sent for each user message; when an answer needs more,
the last allowed message tells the person, once, to write again.
"""

from __future__ import annotations

import datetime as dt

from bot.storage.threads import Thread
from channels.zalo import wire


def begin(thread: Thread, message_id: str, at: dt.datetime) -> None:
    """A new message from the person: a new window and a fresh count."""
    thread.last_message_id = message_id
    thread.last_message_at = at
    thread.replies = 0
    thread.notified = False


def within_window(thread: Thread | None, now: dt.datetime) -> bool:
    """Whether the person wrote within the free reply window (48 hours)."""
    if thread is None or thread.last_message_at is None:
        return False
    return now - thread.last_message_at <= wire.FREE_REPLY_WINDOW


def budget(thread: Thread, now: dt.datetime) -> int:
    """How many more messages may answer the person's last message (0 outside the window)."""
    if not within_window(thread, now):
        return 0
    return max(0, wire.REPLIES_PER_USER_MESSAGE - thread.replies)
