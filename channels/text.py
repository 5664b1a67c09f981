"""Text helpers every channel needs: cutting long replies, contact cards as text lines."""

from __future__ import annotations

from bot.messages import Contact


def split_text(text: str, limit: int) -> list[str]:
    """Plain text in pieces of at most `limit` characters, cut at paragraphs, then lines,
    then spaces; a piece never ends inside a **bold** pair."""
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


def contact_lines(contacts: tuple[Contact, ...]) -> str:
    """Contact cards as text lines too: a card may be ignored, a number in text is not."""
    lines = []
    for contact in contacts:
        role = f" ({contact.role})" if contact.role else ""
        lines.append(f"☎ {contact.name}{role}: {contact.phone}")
    return "\n".join(lines)
