"""Buttons under a broadcast: open a guide, answer a topic, or open a web page.

Stored with the broadcast as `{"label": {"vi": ..., "en": ...}, "action": "g:<guide>"}`
(or `"t:<topic>"`), or `{"label": ..., "url": "https://..."}`. Guide and topic labels come
from the content, in every language, so each person sees them in their own.
"""

from __future__ import annotations

from typing import Any

from bot.content import Content

MAX_BUTTONS = 3


def button_for(content: Content, spec: str) -> dict[str, Any]:
    """A stored button from `guide:<id>`, `topic:<id>` or `https://...=Label`.

    Raises ValueError with a message for the person who typed it.
    """
    kind, _, rest = spec.partition(":")
    if kind == "guide":
        guide = content.guides.get(rest)
        if guide is None:
            raise ValueError(f"unknown guide {rest!r} ({', '.join(content.guides)})")
        return {"label": dict(guide.title.values), "action": f"g:{guide.id}"}
    if kind == "topic":
        topic = content.topic(rest)
        if topic is None:
            raise ValueError(f"unknown topic {rest!r}")
        return {"label": dict(topic.title.values), "action": f"t:{topic.id}"}
    if kind == "https":
        url, _, label = spec.partition("=")
        if not label.strip() or " " in url:
            raise ValueError(f"a link button is https://address=Label, not {spec!r}")
        return {"label": {"vi": label.strip()}, "url": url}
    raise ValueError(f"a button is guide:<id>, topic:<id> or https://address=Label, not {spec!r}")
