"""What a volunteer passes on: a guide or topic's title and three short steps, as a card that
reads well when forwarded into a family group (one plain message, the link written out).

The poster (poster.py) shows the same title and steps, so a printed poster and a forwarded
card say the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.content import Content
from bot.render import strip_markup
from bot.volunteers.links import ItemLinks, LinkKind

STEPS = 3
STEP_CHARS = 90
NUMBERED = re.compile(r"^\d+[.)]\s*")
Translate = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Shareable:
    """A guide or topic as a volunteer shares it: title and up to three short steps."""

    kind: LinkKind
    item_id: str
    title: str
    steps: tuple[str, ...]


def short(text: str, limit: int = STEP_CHARS) -> str:
    """The first sentence of the first line, cut at a word under `limit` characters."""
    line = next((ln.strip(" -•") for ln in strip_markup(text).splitlines() if ln.strip()), "")
    line = NUMBERED.sub("", line)
    sentence = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    return sentence[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def spread(count: int, wanted: int = STEPS) -> list[int]:
    """`wanted` indexes spread over `count` items: first, middle, last (all when fewer)."""
    if count <= wanted:
        return list(range(count))
    return sorted({round(i * (count - 1) / (wanted - 1)) for i in range(wanted)})


def shareable(content: Content, kind: LinkKind, item_id: str, locale: str) -> Shareable | None:
    """The title and three short steps of a guide (its first branch: first, middle and last
    step) or of a topic (the first lines of its national answer); None if it does not exist."""
    if kind == "guide":
        guide = content.guide(item_id)
        if guide is None or not guide.branches:
            return None
        path = guide.branches[0].steps
        picked = tuple(short(path[i].text.get(locale)) for i in spread(len(path)))
        return Shareable("guide", guide.id, guide.title.get(locale), picked)
    topic = content.topic(item_id)
    if topic is None or topic.flow != "answer":
        return None
    lines = [short(line) for line in topic.answer.get(locale).splitlines()]
    # "Do as follows:" introduces the steps; it is not one.
    steps = [line for line in lines if line and not line.endswith(":")]
    return Shareable("topic", topic.id, topic.title.get(locale), tuple(steps[:STEPS]))


def card_text(item: Shareable, links: ItemLinks, _: Translate) -> str:
    """One message to forward: title, numbered steps, and the links written out in full."""
    lines = [f"**{item.title}**"]
    lines += [f"{number}. {step}" for number, step in enumerate(item.steps, start=1)]
    lines += ["", _("👉 Step-by-step help, free, no account needed:"), links.web]
    if links.telegram is not None:
        lines.append(_("On Telegram: {link}").format(link=links.telegram))
    return "\n".join(lines)
