"""Every button the flows show, as a typed action (see bot/actions.py for the codec)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.actions import Action, split

StepOperation = Literal["ok", "fail", "back", "stop"]
YesNo = Literal["yes", "no"]


@dataclass(frozen=True, slots=True)
class MainMenu(Action):
    """The main menu."""

    prefix = "menu"


@dataclass(frozen=True, slots=True)
class Hello(Action):
    """A page (re)opened: greet a new person, or show a returning one where they were."""

    prefix = "hello"


@dataclass(frozen=True, slots=True)
class TalkToSupport(Action):
    """The hotlines of the person's province."""

    prefix = "h"


@dataclass(frozen=True, slots=True)
class ResumeGuide(Action):
    """Carry on with the guide the person left."""

    prefix = "r"


@dataclass(frozen=True, slots=True)
class ShowSection(Action):
    """A main-menu section (an app)."""

    prefix = "m"
    section: str


@dataclass(frozen=True, slots=True)
class ChooseLanguage(Action):
    """The language choice, or switching to `locale`."""

    prefix = "l"
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class ChooseProvince(Action):
    """The province question, or remembering `province`."""

    prefix = "p"
    province: str | None = None


@dataclass(frozen=True, slots=True)
class ProvinceRules(Action):
    """Ask the province, then answer `topic` as that province's letters say."""

    prefix = "pt"
    topic: str


@dataclass(frozen=True, slots=True)
class ShowTopic(Action):
    """A topic's answer."""

    prefix = "t"
    topic: str


@dataclass(frozen=True, slots=True)
class StartGuide(Action):
    """Start a guide, on `branch` when given."""

    prefix = "g"
    guide: str
    branch: str | None = None


@dataclass(frozen=True, slots=True)
class StepButton(Action):
    """Done / It doesn't work / Back / Stop, for the step it was shown with."""

    prefix = "s"
    guide: str
    branch: str
    step: str
    operation: StepOperation


@dataclass(frozen=True, slots=True)
class GuideOutcome(Action):
    """The answer to "Did it work?" after a guide's last step."""

    prefix = "w"
    guide: str
    answer: YesNo


@dataclass(frozen=True, slots=True)
class RateAnswer(Action):
    """👍 / 👎 under an answer."""

    prefix = "f"
    topic: str
    rating: Literal["up", "down"]


@dataclass(frozen=True, slots=True)
class DeleteData(Action):
    """Confirm or cancel deleting everything stored about the person."""

    prefix = "del"
    answer: YesNo


@dataclass(frozen=True, slots=True)
class Reminders(Action):
    """Reminders on or off."""

    prefix = "sub"
    switch: Literal["on", "off"]


@dataclass(frozen=True, slots=True)
class BroadcastTo(Action):
    """Who gets the broadcast being composed: a province id, or "all"."""

    prefix = "bc:to"
    audience: str


@dataclass(frozen=True, slots=True)
class BroadcastNarrow(Action):
    """Show the ways to narrow the audience down."""

    prefix = "bc:narrow"


@dataclass(frozen=True, slots=True)
class BroadcastSegment(Action):
    """Narrow the audience by one field (channel, locale, role, unseen, guide)."""

    prefix = "bc:seg"
    field: str
    value: str


@dataclass(frozen=True, slots=True)
class BroadcastAddButton(Action):
    """Show the guides a broadcast button can open."""

    prefix = "bc:addbtn"


@dataclass(frozen=True, slots=True)
class BroadcastButton(Action):
    """Add a button opening `guide` to the broadcast."""

    prefix = "bc:btn"
    guide: str


@dataclass(frozen=True, slots=True)
class BroadcastSend(Action):
    """Send the broadcast being composed."""

    prefix = "bc:send"


@dataclass(frozen=True, slots=True)
class BroadcastCancel(Action):
    """Drop the draft, or (with an id) cancel a broadcast under way."""

    prefix = "bc:cancel"
    broadcast: str | None = None


@dataclass(frozen=True, slots=True)
class BroadcastList(Action):
    """The newest broadcasts with their progress."""

    prefix = "bc:list"


@dataclass(frozen=True, slots=True)
class BroadcastPause(Action):
    """Pause a broadcast."""

    prefix = "bc:pause"
    broadcast: str


@dataclass(frozen=True, slots=True)
class BroadcastResume(Action):
    """Resume a paused broadcast."""

    prefix = "bc:resume"
    broadcast: str


EscalationReason = Literal["asked", "not_understood", "guide_failed", "feedback", "still_failing"]


@dataclass(frozen=True, slots=True)
class Escalate(Action):
    """Hand over to the hotlines for `reason` (kept as pending while the province is asked)."""

    prefix = "escalate"
    reason: EscalationReason


@dataclass(frozen=True, slots=True)
class ChatWithStaff(Action):
    """Open a live support ticket, handed over for `reason` (handlers/support.py)."""

    prefix = "sp:open"
    reason: EscalationReason


@dataclass(frozen=True, slots=True)
class EndChat(Action):
    """The citizen ends their chat with the support staff."""

    prefix = "sp:end"


# What the province question may have been asked for: done once the province is known.
Pending = MainMenu | Escalate | ShowTopic
PENDING_KINDS: tuple[type[Pending], ...] = (MainMenu, Escalate, ShowTopic)


def read_pending(packed: str | None) -> Pending | None:
    """The pending step stored in the conversation state, or None (nothing, or unreadable)."""
    parsed = split(packed) if packed else None
    if parsed is None:
        return None
    prefix, parts = parsed
    kind = next((k for k in PENDING_KINDS if k.prefix == prefix), None)
    return kind.unpack(parts) if kind is not None else None
