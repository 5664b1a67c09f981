"""Hotlines from the content as contact cards, the one way every flow and page shows them."""

from __future__ import annotations

import re

from bot.content import Content, Hotline
from bot.messages import Contact

_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def display_date(date: str) -> str:
    """A source's date the way Vietnamese letters write it: 26/8/2021, 02/2021, 2020."""
    match = _ISO_DATE.match(date.strip())
    if match is None:
        return date
    year, month, day = match.groups()
    if day is not None and month is not None:
        return f"{int(day)}/{int(month)}/{year}"
    if month is not None:
        return f"{month}/{year}"
    return year


def hotline_contact(
    hotline: Hotline, locale: str, content: Content | None = None, with_hours: bool = True
) -> Contact:
    """A hotline as a contact card in `locale`: its role, then what its letter set it up for
    and the letter's date, then its office hours when the letter gives them
    (`with_hours=False` for a page that shows them on their own line)."""
    role = hotline.role.get(locale)
    if hotline.purpose is not None:
        source = content.sources.get(hotline.source) if content is not None else None
        dated = f" ({display_date(source.date)})" if source is not None and source.date else ""
        role = f"{role} — {hotline.purpose.get(locale)}{dated}"
    if with_hours and hotline.hours is not None:
        role = f"{role} · {hotline.hours.get(locale)}"
    return Contact(name=hotline.name.get(locale), phone=hotline.phone, role=role)
