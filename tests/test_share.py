"""Deep-link payloads and share cards (what volunteers forward)."""

from __future__ import annotations

import re

from bot.content import Content
from bot.i18n import translations
from bot.matcher import Understander
from bot.settings import PROJECT_ROOT
from bot.share import payload, read_payload, share_cards

TELEGRAM_START = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def test_payloads_round_trip_within_telegram_rules(content: Content) -> None:
    for guide_id in content.guides:
        made = payload("guide", guide_id)
        assert TELEGRAM_START.match(made) and read_payload(made) == ("guide", guide_id)
    for topic_id in content.topics:
        assert read_payload(payload("topic", topic_id)) == ("topic", topic_id)
    assert read_payload("ref_youth-union-7") == ("ref", "youth-union-7")
    for bad in ("guide_", "guide_a.b", "evil_x", "topic_" + "x" * 80, "topic_a b"):
        assert read_payload(bad) is None, bad


def test_share_cards_find_guides_first(content: Content, understander: Understander) -> None:
    catalog = translations(PROJECT_ROOT / "locales", "vi")
    cards = share_cards(content, understander, catalog, "cai bluezone", "vi")
    assert cards[0].kind == "guide" and cards[0].item_id == "bluezone.install"
    assert cards[0].button == "📋 Mở hướng dẫn từng bước"
    assert all(TELEGRAM_START.match(c.payload) for c in cards)
    everything = share_cards(content, understander, catalog, "", "en", limit=50)
    assert {c.item_id for c in everything if c.kind == "guide"} == set(content.guides) - {
        g
        for g in content.guides
        if not any(
            content.topic(t) and content.topic(t).guide == g  # type: ignore[union-attr]
            for s in content.menu
            for t in s.topics
        )
    }
