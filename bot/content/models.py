"""Typed, immutable content objects. Everything a reply says comes from here or from gettext."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

# What a topic does when it is matched. "answer" shows its answer; the others hand over to a flow.
# "symptoms" is the health-safety route: it answers first any message that reports symptoms.
Flow = Literal["answer", "welcome", "help", "thanks", "escalate", "symptoms"]
TOPIC_FLOWS: tuple[Flow, ...] = get_args(Flow)
# "active": the apps are in use; "archived": the campaign is over and every install answer
# and the greeting say so, with the source (content.yaml `campaign:`).
CAMPAIGN_STATUSES = ("active", "archived")


@dataclass(frozen=True, slots=True)
class Localized:
    """A text in several locales; falls back to the first locale given (Vietnamese here)."""

    values: Mapping[str, str]

    def get(self, locale: str) -> str:
        """The text in `locale`, or in the fallback locale when it is missing."""
        value = self.values.get(locale)
        if value:
            return value
        return next(iter(self.values.values()), "")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact comes from: an official letter or a documented fact sheet."""

    id: str
    title: str
    date: str = ""
    file: str = ""
    url: str = ""
    # The province a letter belongs to; only that province's answers may cite it.
    province: str | None = None
    # When a web page was read (its own date may be only a year).
    read: str = ""


@dataclass(frozen=True, slots=True)
class Variant:
    """A province's own answer to a topic (its duties, deadlines, places), with its sources."""

    province: str
    answer: Localized
    sources: tuple[str, ...]
    claims: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Topic:
    """One question people ask, with its answer, examples and where to go next."""

    id: str
    title: Localized
    answer: Localized
    examples: Mapping[str, tuple[str, ...]]
    sources: tuple[str, ...]
    related: tuple[str, ...] = ()
    guide: str | None = None
    guide_branch: str | None = None
    flow: Flow = "answer"
    health: bool = False
    links: tuple[str, ...] = ()
    # Phones this topic is the answer for within its app, whatever else is asked: a keypad
    # phone's owner asking how to install Bluezone gets "this phone cannot run it".
    devices: tuple[str, ...] = ()
    # Device -> the answer for a person with that phone (a keypad phone gets no store steps).
    device_answers: Mapping[str, Localized] = field(default_factory=dict)
    # Province id -> that province's own answer; `answer` is the national default.
    variants: Mapping[str, Variant] = field(default_factory=dict)
    # Each label, number or address the answers show -> "source id[: where in it]".
    claims: Mapping[str, str] = field(default_factory=dict)

    def answer_for(self, province: str | None) -> Localized:
        """The answer a person of `province` gets: their province's own, else the default."""
        variant = self.variants.get(province) if province else None
        return variant.answer if variant is not None else self.answer

    def sources_for(self, province: str | None) -> tuple[str, ...]:
        """The sources behind the answer a person of `province` gets."""
        variant = self.variants.get(province) if province else None
        return variant.sources if variant is not None else self.sources

    @property
    def app(self) -> str:
        """The app or area the topic belongs to: the part of its id before the dot."""
        return self.id.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a guide: what to do, how to check it worked, and what to try if it did not."""

    id: str
    text: Localized
    help: Localized
    check: Localized | None = None


@dataclass(frozen=True, slots=True)
class Branch:
    """A path through a guide, e.g. for Android or for iPhone."""

    id: str
    label: Localized
    steps: tuple[Step, ...]
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Guide:
    """A step-by-step guide, possibly branching by phone type."""

    id: str
    title: Localized
    topic: str
    sources: tuple[str, ...]
    branches: tuple[Branch, ...]
    question: Localized | None = None
    intro: Localized | None = None
    done: Localized | None = None
    claims: Mapping[str, str] = field(default_factory=dict)

    def branch(self, branch_id: str | None) -> Branch | None:
        """The branch with this id; the only branch when the guide has one."""
        if branch_id is None:
            return self.branches[0] if len(self.branches) == 1 else None
        for branch in self.branches:
            if branch.id == branch_id:
                return branch
        return None


@dataclass(frozen=True, slots=True)
class Hotline:
    """A support phone line, exactly as its source letter gives it."""

    name: Localized
    role: Localized
    phone: str
    source: str
    # Office hours, only when the source letter gives them.
    hours: Localized | None = None
    # What the letter set the line up for, and for whom ("agencies rolling out QR codes").
    purpose: Localized | None = None


@dataclass(frozen=True, slots=True)
class Province:
    """A province the bot knows, with the hotlines its letters name (none for "other")."""

    id: str
    name: Localized
    aliases: tuple[str, ...]
    hotlines: tuple[Hotline, ...]


@dataclass(frozen=True, slots=True)
class Operator:
    """Who runs this helpdesk (shown in the web page's header and on its /about page)."""

    name: Localized
    url: str = ""
    province: str | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Campaign:
    """Where the campaign stands: `archived` adds `note` (e.g. "replaced by PC-Covid on
    30/9/2021") to the greeting and to install answers."""

    status: str
    note: Localized | None = None
    source: str = ""
    # The answers that get the note (installing and re-activating), besides the greeting.
    topics: tuple[str, ...] = ()

    @property
    def archived(self) -> bool:
        """True when the campaign is over and its note must be said."""
        return self.status == "archived" and self.note is not None


@dataclass(frozen=True, slots=True)
class Site:
    """An official web site."""

    id: str
    label: Localized
    url: str


@dataclass(frozen=True, slots=True)
class MenuSection:
    """A section of the main menu (an app) and the topics it lists."""

    id: str
    label: Localized
    intro: Localized
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unit:
    """An agency or a district people may name when they report (`content/units/`)."""

    id: str
    name: Localized
    # The letter that names it (a letter of the unit's province).
    source: str


@dataclass(frozen=True, slots=True)
class ProvinceUnits:
    """The agencies and districts of one province that a setup report may name."""

    province: str
    agencies: tuple[Unit, ...] = ()
    districts: tuple[Unit, ...] = ()

    def agency(self, unit_id: str | None) -> Unit | None:
        """The agency with this id, or None."""
        return next((u for u in self.agencies if u.id == unit_id), None)

    def district(self, unit_id: str | None) -> Unit | None:
        """The district with this id, or None."""
        return next((u for u in self.districts if u.id == unit_id), None)


@dataclass(frozen=True, slots=True)
class Content:
    """The whole knowledge base."""

    topics: Mapping[str, Topic]
    guides: Mapping[str, Guide]
    provinces: Mapping[str, Province]
    health_hotline: Hotline
    sites: Mapping[str, Site]
    sources: Mapping[str, Source]
    menu: tuple[MenuSection, ...] = ()
    out_of_scope: tuple[str, ...] = ()
    lexicon: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    abbreviations: Mapping[str, str] = field(default_factory=dict)
    locales: tuple[str, ...] = ("vi", "en")
    language_names: Mapping[str, str] = field(default_factory=dict)
    operator: Operator | None = None
    # Names and terms any answer may use (app names, "CCCD"), each with its source.
    terms: Mapping[str, str] = field(default_factory=dict)
    campaign: Campaign | None = None
    # Agencies and districts per province, for setup reports (content/units/<province>.yaml).
    units: Mapping[str, ProvinceUnits] = field(default_factory=dict)

    def topic(self, topic_id: str) -> Topic | None:
        """The topic with this id, or None."""
        return self.topics.get(topic_id)

    def guide(self, guide_id: str) -> Guide | None:
        """The guide with this id, or None."""
        return self.guides.get(guide_id)

    def province(self, province_id: str | None) -> Province | None:
        """The province with this id, or None."""
        if province_id is None:
            return None
        return self.provinces.get(province_id)

    def section(self, section_id: str) -> MenuSection | None:
        """The main-menu section with this id, or None."""
        return next((s for s in self.menu if s.id == section_id), None)

    def flow_topic(self, flow: Flow) -> Topic | None:
        """The first topic with this flow (e.g. the symptoms route), or None."""
        return next((t for t in self.topics.values() if t.flow == flow), None)

    def words(self, name: str) -> tuple[str, ...]:
        """A word list from the lexicon (e.g. the words that mean "it worked")."""
        return self.lexicon.get(name, ())
