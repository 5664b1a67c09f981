"""Phone and ID numbers never reach a ticket: they are masked before it is written.

A run of seven digits or more, possibly split by spaces, dots or dashes (a phone number, a
CCCD), becomes MASK, the way the admin console masks the message log. The province hotlines
and the health line of the content are public and useful ("I called 0299.3626800 and nobody
answered", an operator giving a number), so those are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.content import Content

LONG_NUMBER = re.compile(r"\+?\d(?:[\s.\-]?\d){6,}")
MASK = "[☎ ***]"


def digits(text: str) -> str:
    """The digits of a number, without a leading country code 84."""
    found = "".join(ch for ch in text if ch.isdigit())
    return "0" + found[2:] if found.startswith("84") and len(found) > 9 else found


def public_numbers(content: Content) -> frozenset[str]:
    """The digits of every number the content gives (hotlines and the health line)."""
    hotlines = [h for p in content.provinces.values() for h in p.hotlines]
    return frozenset(digits(h.phone) for h in [*hotlines, content.health_hotline])


def scrub(text: str, keep: Iterable[str] = ()) -> str:
    """`text` with phone and ID numbers masked, except the numbers in `keep` (digits)."""
    kept = frozenset(keep)

    def mask(match: re.Match[str]) -> str:
        return match.group(0) if digits(match.group(0)) in kept else MASK

    return LONG_NUMBER.sub(mask, text)
