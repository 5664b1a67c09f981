"""How many people a broadcast can reach on channels that only answer within a window.

A channel may declare a reply window in its profile (`ChannelProfile.reply_window`): it can
message a person only for that long after the person last wrote (Zalo: 48 hours).
Deliveries to the others are skipped by the channel; the admin's preview says how many
each way, before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from bot.broadcasts.segments import Segment, conditions
from bot.storage.models import ChannelThread, User


@dataclass(frozen=True)
class Window:
    """A channel's reply window."""

    channel: str
    label: str
    length: dt.timedelta


def windows() -> list[Window]:
    """The reply windows the installed channel plugins declare."""
    from bot.plugins import profiles

    return [
        Window(profile.name, profile.label or profile.name, profile.reply_window)
        for profile in profiles()
        if profile.reply_window is not None
    ]


def split(
    connection: Connection, segment: Segment, now: dt.datetime, window: Window
) -> tuple[int, int]:
    """(inside, outside): the segment's people on the window's channel who wrote within it,
    and those who did not."""
    where = [*conditions(segment, now), User.channel == window.channel]
    total = connection.execute(select(func.count()).select_from(User).where(*where)).scalar_one()
    inside = connection.execute(
        select(func.count())
        .select_from(User)
        .join(ChannelThread, ChannelThread.user_id == User.id)
        .where(*where, ChannelThread.last_message_at >= now - window.length)
    ).scalar_one()
    return int(inside), int(total) - int(inside)


def describe(
    connection: Connection,
    segment: Segment,
    now: dt.datetime,
    found: list[Window],
    gettext: Callable[[str], str],
) -> list[str]:
    """One line per windowed channel the segment reaches, in the admin's language."""
    lines = []
    for window in found:
        if segment.channel not in (None, window.channel):
            continue
        inside, outside = split(connection, segment, now, window)
        if inside or outside:
            lines.append(
                gettext(
                    "{channel}: {inside} can get it now (they wrote within {hours} hours); "
                    "{outside} are outside {channel}'s interaction window and will be skipped."
                ).format(
                    channel=window.label,
                    inside=inside,
                    outside=outside,
                    hours=int(window.length.total_seconds() // 3600),
                )
            )
    return lines
