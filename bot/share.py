"""Sharing: deep-link payloads and the cards volunteers drop into family and group chats.

A payload is what follows `/start ` in a deep link: `guide_<id>`, `topic_<id>`,
`ref_<code>` (a volunteer's referral code), `join_<code>` (a volunteer invitation), or a
volunteer's link `ref_<code>_guide_<id>` / `ref_<code>_topic_<id>`; at most 64 characters of
A-Za-z0-9_- (Telegram's rule for start parameters). Ids contain dots, which that alphabet
lacks, so '.' is written '-' (ids never contain '-').
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass

from bot.content import Content
from bot.matcher import Understander
from bot.matcher.index import NONE
from bot.render import strip_markup

PAYLOAD = re.compile(r"^(guide|topic|ref|join)_([A-Za-z0-9_-]{1,58})$")
# A volunteer's link: their referral code (bot/volunteers/codes.py), then what it opens.
REFERRED = re.compile(r"^ref_([A-Z2-9]{6})_(guide|topic)_([a-z0-9_-]{1,47})$")
KINDS = ("guide", "topic")
MAX_PAYLOAD = 64


def payload(kind: str, item_id: str) -> str:
    """The deep-link payload that opens a guide or a topic."""
    return f"{kind}_{item_id.replace('.', '-')}"


def read_payload(text: str) -> tuple[str, str] | None:
    """(kind, id) from a payload, or None when it is not one (checked, never trusted)."""
    found = PAYLOAD.match(text.strip())
    if not found:
        return None
    kind, value = found.groups()
    return kind, value if kind in ("ref", "join") else value.replace("-", ".")


@dataclass(frozen=True, slots=True)
class DeepLink:
    """A read payload: what it opens (`guide`, `topic`, `ref`, `join`) and the referral
    code of the volunteer whose link it was, if any."""

    kind: str
    item_id: str
    referral: str | None = None


def link_payload(kind: str, item_id: str, referral: str | None = None) -> str:
    """The payload of a (volunteer's) link to a guide or topic; ValueError over 64 chars."""
    made = payload(kind, item_id)
    made = f"ref_{referral}_{made}" if referral else made
    if len(made) > MAX_PAYLOAD or read_link(made) is None:
        raise ValueError(f"{kind} {item_id!r} cannot be put in a deep link")
    return made


def read_link(text: str) -> DeepLink | None:
    """The deep link a payload names, or None when it is not one (checked, never trusted)."""
    referred = REFERRED.match(text.strip())
    if referred:
        code, kind, value = referred.groups()
        return DeepLink(kind, value.replace("-", "."), code)
    found = read_payload(text)
    return DeepLink(*found) if found else None


@dataclass(frozen=True, slots=True)
class ShareCard:
    """A guide or topic to share: a title, a one-line summary and the payload that opens it."""

    kind: str
    item_id: str
    title: str
    summary: str
    payload: str
    button: str


def _summary(text: str, limit: int = 120) -> str:
    first = next((line.strip(" -") for line in strip_markup(text).splitlines() if line.strip()), "")
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def share_cards(
    content: Content,
    understander: Understander,
    catalog: gettext.NullTranslations,
    query: str,
    locale: str,
    limit: int = 10,
) -> list[ShareCard]:
    """Guides and topics matching `query` (all guides first when it is empty)."""
    buttons = {
        "guide": catalog.gettext("📋 Open the step-by-step guide"),
        "topic": catalog.gettext("💬 Open in the helpdesk"),
    }
    cards: list[ShareCard] = []

    def add(kind: str, item_id: str, title: str, summary: str) -> None:
        if not any(c.item_id == item_id for c in cards):
            cards.append(
                ShareCard(kind, item_id, title, summary, payload(kind, item_id), buttons[kind])
            )

    def add_topic(topic_id: str) -> None:
        topic = content.topic(topic_id)
        if topic is None or topic.flow != "answer":
            return
        summary = _summary(topic.answer.get(locale))
        guide = content.guide(topic.guide) if topic.guide else None
        if guide is not None:
            add("guide", guide.id, guide.title.get(locale), summary)
        add("topic", topic.id, topic.title.get(locale), summary)

    if query.strip():
        match = understander.matcher.match(query)
        for topic_id, _score in match.candidates:
            if topic_id != NONE:
                add_topic(topic_id)
    else:
        for section in content.menu:
            for topic_id in section.topics:
                add_topic(topic_id)
    return cards[:limit]
