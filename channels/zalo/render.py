"""One turn's replies as few Zalo messages as the limits allow.

The bubbles of a turn are merged while the text stays within 2000 characters and, with
template buttons, the buttons within 4 per message. A bubble longer than that is cut at
paragraphs; more than 4 buttons are spread evenly over further messages ("…").

Choices are kept channel-neutral until the last step (`Choice`), so a message refused as a
template can be sent again as numbered text (numbered.py) without losing anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from bot.messages import Outbound
from bot.render import split_text, strip_markup, written_out
from channels.zalo import wire

# A continuation message carries the buttons that did not fit; its text must not be empty.
MORE = "…"
GAP = "\n\n"


@dataclass(frozen=True)
class Choice:
    """Something the person can do: press an action, call a number, open a page."""

    kind: Literal["action", "call", "url"]
    label: str
    value: str  # the action, the digits to dial, or the address


@dataclass(frozen=True)
class Piece:
    """One message to send: its text and, in template mode, its buttons."""

    text: str
    choices: tuple[Choice, ...] = ()


def block(reply: Outbound) -> Piece:
    """A reply bubble as text (with its hotlines written out) and its choices: call buttons
    first, then the reply's buttons, then links."""
    text = strip_markup(written_out(reply)).strip()
    choices = [Choice("call", f"☎ {c.name}", c.dial) for c in reply.contacts if c.dial]
    choices += [Choice("action", b.label, b.action) for b in reply.buttons]
    choices += [Choice("url", link.label, link.url) for link in reply.links]
    return Piece(text, tuple(choices))


def merge(blocks: list[Piece], limit: int, max_choices: int | None) -> list[Piece]:
    """Consecutive blocks joined while the text stays within `limit` and the choices within
    `max_choices` (None: no limit on choices)."""
    merged: list[Piece] = []
    for piece in blocks:
        if merged:
            last = merged[-1]
            text = GAP.join(part for part in (last.text, piece.text) if part)
            choices = last.choices + piece.choices
            if len(text) <= limit and (max_choices is None or len(choices) <= max_choices):
                merged[-1] = Piece(text, choices)
                continue
        merged.append(piece)
    return merged


def template_pieces(replies: list[Outbound]) -> list[Piece]:
    """The messages of a turn with buttons as template buttons (ZALO_BUTTONS=template)."""
    pieces: list[Piece] = []
    for piece in merge([block(r) for r in replies], wire.TEXT_LIMIT, wire.BUTTONS_PER_MESSAGE):
        texts = split_text(piece.text, wire.TEXT_LIMIT) or [MORE]
        pieces += [Piece(text) for text in texts[:-1]]
        # Spread evenly (5 buttons: 3 + 2, not 4 + 1), never more than 4 in one message.
        choices = piece.choices
        count = max(1, math.ceil(len(choices) / wire.BUTTONS_PER_MESSAGE))
        size = math.ceil(len(choices) / count) if choices else 0
        groups = [choices[i : i + size] for i in range(0, len(choices), size)] if size else [()]
        pieces.append(Piece(texts[-1], groups[0]))
        pieces += [Piece(MORE, group) for group in groups[1:]]
    return pieces


def button(choice: Choice) -> dict[str, Any]:
    """A choice as a Zalo template button (wire.py has the shapes and their sources)."""
    if choice.kind == "call":
        return wire.phone_button(choice.label, choice.value)
    if choice.kind == "url":
        return wire.url_button(choice.label, choice.value)
    return wire.action_button(choice.label, choice.value)


def body(user_id: str, piece: Piece, quote: str | None = None) -> dict[str, Any]:
    """The wire body of one message."""
    buttons = [button(choice) for choice in piece.choices]
    return wire.text_message(user_id, piece.text or MORE, buttons, quote)
