"""A person's conversation state, stored as JSON in the database between messages."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass
class GuideProgress:
    """Where a person is in a guide. `step` counts from 0; len(steps) means "did it work?"."""

    guide: str
    branch: str | None = None
    step: int = 0
    fails: dict[str, int] = field(default_factory=dict)
    active: bool = True

    @classmethod
    def from_json(cls, data: Any) -> GuideProgress | None:
        """Read stored progress, or None when it is missing or unreadable."""
        if not isinstance(data, dict) or not isinstance(data.get("guide"), str):
            return None
        fails = data.get("fails")
        return cls(
            guide=data["guide"],
            branch=data.get("branch") if isinstance(data.get("branch"), str) else None,
            step=int(data.get("step", 0)) if isinstance(data.get("step", 0), int) else 0,
            fails={str(k): int(v) for k, v in fails.items()} if isinstance(fails, dict) else {},
            active=bool(data.get("active", True)),
        )


@dataclass
class BroadcastDraft:
    """A broadcast an admin is composing: its text, who gets it, its guide buttons."""

    text: str | None = None
    # The audience as a segment's JSON (bot/broadcasts/segments.py); None until chosen.
    segment: dict[str, Any] | None = None
    buttons: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Any) -> BroadcastDraft | None:
        """Read a stored draft, or None when there is none."""
        if not isinstance(data, dict):
            return None
        text, segment, buttons = data.get("text"), data.get("segment"), data.get("buttons")
        return cls(
            text=text if isinstance(text, str) else None,
            segment=copy.deepcopy(segment) if isinstance(segment, dict) else None,
            buttons=copy.deepcopy(buttons) if isinstance(buttons, list) else [],
        )

    def to_json(self) -> dict[str, Any]:
        """The draft as stored: only what has been chosen so far."""
        stored: dict[str, Any] = {}
        if self.text is not None:
            stored["text"] = self.text
        if self.segment is not None:
            stored["segment"] = copy.deepcopy(self.segment)
        if self.buttons:
            stored["buttons"] = copy.deepcopy(self.buttons)
        return stored


class Awaiting(StrEnum):
    """What the bot asked for and reads the next typed message as."""

    PROVINCE = "province"  # "which province are you in?"
    BROADCAST_TEXT = "broadcast_text"  # an admin composing a reminder
    ORGANISATION = "volunteer_org"  # a would-be volunteer naming their organisation


def _awaiting(value: Any) -> Awaiting | None:
    try:
        return Awaiting(value)
    except ValueError:
        return None


@dataclass
class ConversationState:
    """Everything the dialogue remembers about a person between two messages."""

    awaiting: Awaiting | None = None
    pending: str | None = None
    guide: GuideProgress | None = None
    last_topic: str | None = None
    misunderstood: int = 0
    # "Still not working" typed after the last answer: how far up the help ladder we are.
    still_failing: int = 0
    province_asked: bool = False
    referrer: str | None = None
    # Something being composed over several messages (an admin's broadcast).
    draft: BroadcastDraft | None = None
    # The live support ticket the person has open (bot/tickets): typed text goes to staff.
    ticket: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> ConversationState:
        """Read stored state; unknown or broken fields fall back to defaults."""
        if not isinstance(data, dict):
            return cls()

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        misunderstood = data.get("misunderstood", 0)
        still_failing = data.get("still_failing", 0)
        return cls(
            awaiting=_awaiting(data.get("awaiting")),
            pending=text("pending"),
            guide=GuideProgress.from_json(data.get("guide")),
            last_topic=text("last_topic"),
            misunderstood=misunderstood if isinstance(misunderstood, int) else 0,
            still_failing=still_failing if isinstance(still_failing, int) else 0,
            province_asked=bool(data.get("province_asked", False)),
            referrer=text("referrer"),
            # A copy: the loaded row is compared with the new state to see what changed.
            draft=BroadcastDraft.from_json(data.get("draft")),
            ticket=data.get("ticket") if isinstance(data.get("ticket"), int) else None,
        )

    def to_json(self) -> dict[str, Any]:
        """The state as plain JSON-able data (written out by hand: this runs every turn)."""
        guide = self.guide
        return {
            "awaiting": self.awaiting,
            "pending": self.pending,
            "guide": None
            if guide is None
            else {
                "guide": guide.guide,
                "branch": guide.branch,
                "step": guide.step,
                "fails": dict(guide.fails),
                "active": guide.active,
            },
            "last_topic": self.last_topic,
            "misunderstood": self.misunderstood,
            "still_failing": self.still_failing,
            "province_asked": self.province_asked,
            "referrer": self.referrer,
            "draft": self.draft.to_json() if self.draft is not None else None,
            "ticket": self.ticket,
        }
