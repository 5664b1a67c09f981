"""Outbound replies as Zalo messages: plain text in pieces of 2000, at most 4 buttons each."""

from __future__ import annotations

from typing import Any

from bot.messages import Outbound
from bot.render import strip_markup
from channels.text import contact_lines, split_text
from channels.zalo import wire

# A continuation message carries the buttons that did not fit; its text must not be empty.
MORE = "…"


def render(user_id: str, reply: Outbound) -> list[dict[str, Any]]:
    """The message bodies for one reply, in order.

    Call buttons (hotlines) come first, then the reply's buttons, then links; when there are
    more than 4, the rest follow in further messages.
    """
    text = strip_markup(reply.text)
    if reply.contacts:
        text = f"{text}\n{contact_lines(reply.contacts)}"
    buttons = [wire.phone_button(f"☎ {c.name}", c.dial) for c in reply.contacts]
    buttons += [wire.action_button(b.label, b.action) for b in reply.buttons]
    buttons += [wire.url_button(link.label, link.url) for link in reply.links]
    pieces = split_text(text, wire.TEXT_LIMIT) or [MORE]
    bodies = [wire.text_message(user_id, piece, []) for piece in pieces[:-1]]
    first, rest = buttons[: wire.BUTTONS_PER_MESSAGE], buttons[wire.BUTTONS_PER_MESSAGE :]
    bodies.append(wire.text_message(user_id, pieces[-1], first))
    while rest:
        chunk, rest = rest[: wire.BUTTONS_PER_MESSAGE], rest[wire.BUTTONS_PER_MESSAGE :]
        bodies.append(wire.text_message(user_id, MORE, chunk))
    return bodies
