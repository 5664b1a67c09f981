"""Outbound replies as Zalo messages: plain text in pieces of 2000, at most 4 buttons each."""

from __future__ import annotations

import math
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
    more than 4, they are spread evenly over further messages.
    """
    text = strip_markup(reply.text)
    if reply.contacts:
        text = f"{text}\n{contact_lines(reply.contacts)}"
    buttons = [wire.phone_button(f"☎ {c.name}", c.dial) for c in reply.contacts]
    buttons += [wire.action_button(b.label, b.action) for b in reply.buttons]
    buttons += [wire.url_button(link.label, link.url) for link in reply.links]
    pieces = split_text(text, wire.TEXT_LIMIT) or [MORE]
    bodies = [wire.text_message(user_id, piece, []) for piece in pieces[:-1]]
    # Spread evenly (5 buttons: 3 + 2, not 4 + 1), never more than 4 in one message.
    messages = max(1, math.ceil(len(buttons) / wire.BUTTONS_PER_MESSAGE))
    size = math.ceil(len(buttons) / messages) if buttons else 0
    chunks = [buttons[i : i + size] for i in range(0, len(buttons), size)] if size else [[]]
    bodies.append(wire.text_message(user_id, pieces[-1], chunks[0]))
    bodies += [wire.text_message(user_id, MORE, chunk) for chunk in chunks[1:]]
    return bodies
