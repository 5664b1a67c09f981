"""What a broadcast asked for must be before it is stored: its texts render, the province
and guide exist, the schedule is a rule, the buttons are known. One check for every place a
broadcast is made (the command line, the admin console)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from bot.broadcasts import ROLES
from bot.broadcasts.buttons import MAX_BUTTONS, button_for
from bot.broadcasts.schedule import valid_rule
from bot.broadcasts.segments import Segment
from bot.broadcasts.templates import problems
from bot.content import Content


@dataclass(frozen=True)
class BroadcastRequest:
    """A broadcast as asked for: texts per locale, who, how often, and button specs
    (`guide:<id>`, `topic:<id>` or `https://address=Label`)."""

    texts: Mapping[str, str]
    segment: Segment
    every: str | None = None
    buttons: tuple[str, ...] = ()


def check_request(
    content: Content,
    request: BroadcastRequest,
    text_limit: int,
    channels: Collection[str] | None = None,
) -> tuple[list[str], list[dict[str, Any]]]:
    """What is wrong with the request (nothing when it can be stored), and its buttons as
    stored. `channels`, when given, are the channels a broadcast may be limited to."""
    segment = request.segment
    found = problems(dict(request.texts), text_limit)
    if segment.channel and channels is not None and segment.channel not in channels:
        found.append(f"unknown channel {segment.channel!r} ({', '.join(channels)})")
    if segment.locale and segment.locale not in content.locales:
        found.append(f"unknown language {segment.locale!r} ({', '.join(content.locales)})")
    if segment.role and segment.role not in ROLES:
        found.append(f"unknown role {segment.role!r} ({', '.join(ROLES)})")
    if segment.province and segment.province not in content.provinces:
        found.append(f"unknown province {segment.province!r} ({', '.join(content.provinces)})")
    if segment.not_completed_guide and segment.not_completed_guide not in content.guides:
        found.append(f"unknown guide {segment.not_completed_guide!r}")
    if segment.unseen_days is not None and segment.unseen_days < 0:
        found.append("the number of days unseen cannot be negative")
    if request.every and not valid_rule(request.every):
        found.append(f"{request.every!r} is not a cron rule (minute hour day month weekday)")
    buttons: list[dict[str, Any]] = []
    for spec in request.buttons:
        try:
            buttons.append(button_for(content, spec))
        except ValueError as error:
            found.append(str(error))
    if len(request.buttons) > MAX_BUTTONS:
        found.append(f"at most {MAX_BUTTONS} buttons")
    return found, buttons
