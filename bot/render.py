"""The output pipeline's channel-neutral half: the content's markup, contact cards written
out as text, long texts cut to a channel's limit, and whole replies as plain text.

Each channel supplies only its wire format on top (Telegram HTML and keyboards, Zalo
templates or numbered choices, the web page's JSON); the terminal and `helpdesk ask` use
`plain_text` as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.messages import Contact, Outbound

# The content's only markup: **bold**.
BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def strip_markup(text: str) -> str:
    """Drop the content's **bold** marks."""
    return BOLD.sub(r"\1", text)


def bold_as(text: str, wrap: Callable[[str], str]) -> str:
    """The content's **bold** phrases rewritten by `wrap` (e.g. into <b>...</b>)."""
    return BOLD.sub(lambda found: wrap(found.group(1)), text)


def contact_line(contact: Contact) -> str:
    """A contact card as one text line: `☎ Name (role): number`."""
    role = f" ({contact.role})" if contact.role else ""
    return f"☎ {contact.name}{role}: {contact.phone}"


def written_out(reply: Outbound) -> str:
    """The reply's text with its contact cards also written as lines: a card may be ignored
    or unsupported, a number in the text is not."""
    lines = [reply.text, *(contact_line(contact) for contact in reply.contacts)]
    return "\n".join(line for line in lines if line)


def split_text(text: str, limit: int) -> list[str]:
    """Text in pieces of at most `limit` characters, cut at paragraphs, then lines, then
    spaces; a piece never ends inside a **bold** pair."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0) or window.rfind(" ")
        if cut <= 0:
            cut = limit
        head = rest[:cut]
        if head.count("**") % 2:  # do not split a bold phrase
            head = head[: head.rfind("**")] or head
        pieces.append(head.rstrip())
        rest = rest[len(head) :].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def plain_text(reply: Outbound) -> str:
    """A reply as plain text: the text, then contact cards and links, one per line."""
    lines = [strip_markup(written_out(reply))]
    lines += [f"🔗 {link.label}: {link.url}" for link in reply.links]
    return "\n".join(line for line in lines if line)
