"""Buttons that cannot strand anyone: numbered choices in plain text.

"1. Cài Bluezone", one per line, numbered across the whole turn; the person types the number.
Call buttons need nothing more (the hotlines are already written out in the text), links are
written out. The actions behind the numbers are kept with the person (bot/storage/threads.py)
so a typed "2" means what they saw; anything else typed stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.render import split_text
from channels.zalo import wire
from channels.zalo.render import MORE, Piece, merge

# "2", " 2 ", "2.", "2)", "#2": a choice. Two digits at most, so phone numbers stay text.
TYPED_NUMBER = re.compile(r"^\s*#?\s*([0-9]{1,2})\s*[.)]?\s*$")


@dataclass(frozen=True)
class Numbered:
    """Messages in plain text and the actions behind their numbers (1 is first)."""

    pieces: list[Piece]
    actions: list[str]


def lines(piece: Piece, start: int) -> tuple[str, list[str]]:
    """A piece's text with its choices written as numbered lines from `start`, and the
    actions those numbers stand for."""
    out = [piece.text] if piece.text and piece.text != MORE else []
    actions: list[str] = []
    for choice in piece.choices:
        if choice.kind == "action":
            actions.append(choice.value)
            out.append(f"{start + len(actions) - 1}. {choice.label}")
        elif choice.kind == "url":
            out.append(f"🔗 {choice.label}: {choice.value}")
        # "call": the number is already written in the text (render.block).
    return "\n".join(out), actions


def numbered(pieces: list[Piece], hint: str) -> Numbered:
    """Pieces (template or not) as plain-text messages with numbered choices, merged up to
    2000 characters; `hint` ("Reply with a number…") closes the last one that has numbers."""
    blocks: list[Piece] = []
    actions: list[str] = []
    for piece in pieces:
        text, more = lines(piece, len(actions) + 1)
        actions += more
        blocks.append(Piece(text))
    if actions:
        last = max(i for i, p in enumerate(pieces) if any(c.kind == "action" for c in p.choices))
        blocks[last] = Piece(f"{blocks[last].text}\n{hint}".strip())
    texts: list[Piece] = []
    for piece in merge([b for b in blocks if b.text], wire.TEXT_LIMIT, None):
        texts += [Piece(text) for text in split_text(piece.text, wire.TEXT_LIMIT)]
    return Numbered(texts, actions)


def typed_choice(text: str | None, actions: list[str]) -> str | None:
    """The action a typed number stands for, or None (not a number, or not one shown)."""
    if not text or not actions:
        return None
    match = TYPED_NUMBER.match(text)
    if match is None:
        return None
    number = int(match.group(1))
    return actions[number - 1] if 1 <= number <= len(actions) else None
