"""The buttons of the volunteer and campaign-report flows, as typed actions (bot/actions.py).

Sub-actions of `vo` (volunteers) and `rp` (setup reports), so each flow's buttons share one
prefix; see handlers/actions.py for the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.actions import Action

# A report's agency or district left out ("Skip"); unit ids start with a letter or digit.
SKIPPED = "-"


@dataclass(frozen=True, slots=True)
class VolunteerMenu(Action):
    """A volunteer's tools: share a guide, my impact."""

    prefix = "vo:menu"


@dataclass(frozen=True, slots=True)
class VolunteerAsk(Action):
    """Ask to become a volunteer (then the organisation is asked)."""

    prefix = "vo:ask"


@dataclass(frozen=True, slots=True)
class VolunteerAskSkip(Action):
    """Ask to become a volunteer without naming an organisation."""

    prefix = "vo:asknoorg"


@dataclass(frozen=True, slots=True)
class ShareMenu(Action):
    """What a volunteer can share: the guides, or the topics of one menu section."""

    prefix = "vo:share"
    section: str | None = None


@dataclass(frozen=True, slots=True)
class ShareItem(Action):
    """The forward-friendly card and the links of one guide or topic."""

    prefix = "vo:item"
    kind: Literal["guide", "topic"]
    item: str


@dataclass(frozen=True, slots=True)
class ShowImpact(Action):
    """The volunteer's impact, by week."""

    prefix = "vo:impact"


@dataclass(frozen=True, slots=True)
class VolunteerApprove(Action):
    """An admin approves the request of person `user` (their user id)."""

    prefix = "vo:approve"
    user: str


@dataclass(frozen=True, slots=True)
class ReportDone(Action):
    """A setup report for `guide`: "I have installed / re-activated"."""

    prefix = "rp:done"
    guide: str


@dataclass(frozen=True, slots=True)
class ReportProvince(Action):
    """The province of a person reporting for `guide` who had not given one yet."""

    prefix = "rp:prov"
    guide: str
    province: str


@dataclass(frozen=True, slots=True)
class ReportUnit(Action):
    """The agency or district of report `report` (SKIPPED: not given)."""

    prefix = "rp:unit"
    report: str
    kind: Literal["agency", "district"]
    unit: str
