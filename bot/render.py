"""Plain-text rendering of replies, for the terminal and `helpdesk ask`."""

from __future__ import annotations

import re

from bot.messages import Outbound

BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def strip_markup(text: str) -> str:
    """Drop the content's **bold** marks."""
    return BOLD.sub(r"\1", text)


def plain_text(reply: Outbound) -> str:
    """A reply as plain text: the text, then contact cards and links, one per line."""
    lines = [strip_markup(reply.text)]
    for contact in reply.contacts:
        role = f" ({contact.role})" if contact.role else ""
        lines.append(f"☎ {contact.name}{role}: {contact.phone}")
    for link in reply.links:
        lines.append(f"🔗 {link.label}: {link.url}")
    return "\n".join(line for line in lines if line)
