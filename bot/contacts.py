"""Hotlines from the content as contact cards, the one way every flow and page shows them."""

from __future__ import annotations

from bot.content import Hotline
from bot.messages import Contact


def hotline_contact(hotline: Hotline, locale: str, with_hours: bool = True) -> Contact:
    """A hotline as a contact card in `locale`; its office hours follow the role when the
    letter gives them (`with_hours=False` for a page that shows them on their own line)."""
    role = hotline.role.get(locale)
    if with_hours and hotline.hours is not None:
        role = f"{role} · {hotline.hours.get(locale)}"
    return Contact(name=hotline.name.get(locale), phone=hotline.phone, role=role)
