"""What a message says beside its topic: province, app, phone, language, and a few modifiers.

Read from every message, with word lists that live in the content (`entities.yaml`, the
province names and aliases of `provinces.yaml`, the app names of `lexicon.yaml`), so that a
province or a phone brand is added without touching code.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Literal

from bot.content.models import Content
from bot.normalize import Normalizer, fold, has_diacritics

Device = Literal["android", "ios", "tablet", "feature_phone", "computer"]
DEVICES: tuple[Device, ...] = ("feature_phone", "tablet", "ios", "android", "computer")
Language = Literal["vi", "en"]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CLAUSE = re.compile(r"[,.;:!?\n]+")
# Clauses of a message read one by one (a request for a person beside a problem): the
# realistic questions of the content, tuning and evaluation sets have at most 9.
MAX_CLAUSES = 16
# A one-word phrase typed without marks ("ho", "sot") is also an accented word ("họ", "sót")
# in a message typed without marks; below this length such words are not trusted there.
SHORT_PLAIN_WORD = 4


@dataclass(frozen=True, slots=True)
class Entities:
    """The entities of one message. `apps` lists ours and others' (`vneid`, `pc-covid`)."""

    province: str | None = None
    apps: tuple[str, ...] = ()
    device: Device | None = None
    lang: Language | None = None
    wants_person: bool = False
    still_failing: bool = False
    reports_problem: bool = False
    symptoms: bool = False
    urgent: bool = False

    @property
    def app(self) -> str | None:
        """The first app named, ours or not."""
        return self.apps[0] if self.apps else None

    def as_json(self) -> dict[str, object]:
        """The entities as `helpdesk ask --json` prints them."""
        return {
            "province": self.province,
            "app": self.app,
            "device": self.device,
            "lang": self.lang,
            "wants_person": self.wants_person,
            "still_failing": self.still_failing,
            "symptoms": self.symptoms,
        }


# English words needed to outweigh one word with Vietnamese marks.
ENGLISH_OVER_ONE_MARK = 2


@dataclass(frozen=True, slots=True)
class _Text:
    """A message in the three forms phrases are looked for in, each as ' word word '."""

    typed: str
    folded: str
    expanded: str
    accented: bool


class _Phrases:
    """A list of phrases, compiled to look for any of them in a message as whole words."""

    def __init__(self, phrases: Iterable[str]) -> None:
        marked: set[str] = set()
        plain: set[str] = set()
        short: set[str] = set()
        for phrase in phrases:
            words = _WORD.findall(unicodedata.normalize("NFC", phrase).lower())
            if not words:
                continue
            joined = " ".join(words)
            if has_diacritics(phrase):
                marked.add(joined)
                if len(words) > 1:
                    plain.add(fold(joined))
            elif len(words) == 1 and len(joined) < SHORT_PLAIN_WORD:
                short.add(joined)
            else:
                plain.add(joined)
        self.marked = _pattern(marked)
        self.plain = _pattern(plain)
        self.short = _pattern(short)
        self._removable = sorted({fold(p) for p in marked} | plain, key=_longest_first)

    def removed_from(self, text: _Text) -> str:
        """The folded message without any of the phrases (multi-word phrases only)."""
        folded = text.folded
        for phrase in self._removable:
            if " " in phrase:
                folded = folded.replace(f" {phrase} ", " ")
        return " ".join(folded.split())

    def found_in(self, text: _Text) -> bool:
        """True when one of the phrases is in the message."""
        if self.marked is not None and self.marked.search(text.typed):
            return True
        if self.plain is not None and (
            self.plain.search(text.folded) or self.plain.search(text.expanded)
        ):
            return True
        # Short plain words ("ho") only count in a message typed with marks, as typed.
        return bool(text.accented and self.short is not None and self.short.search(text.typed))


def _longest_first(phrase: str) -> tuple[int, str]:
    """Longer phrases first, then alphabetical: the same order in every process."""
    return (-len(phrase), phrase)


def _pattern(phrases: set[str]) -> re.Pattern[str] | None:
    """One regular expression that finds any of `phrases` between spaces (longest first)."""
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=_longest_first))
    return re.compile(f" (?:{alternatives}) ")


class EntityReader:
    """Reads the entities of messages with the content's word lists."""

    def __init__(
        self,
        content: Content,
        normalizer: Normalizer,
        locale_words: Mapping[str, AbstractSet[str]],
    ) -> None:
        """`locale_words`: per locale, the folded words of the content's examples."""
        self._normalizer = normalizer
        province_of: dict[str, str] = {}
        for province in content.provinces.values():
            if province.id == "other":  # the "another province" button, not a name
                continue
            for name in (*province.name.values.values(), *province.aliases):
                province_of[" ".join(_WORD.findall(fold(name)))] = province.id
        self._province_of = province_of
        # Longest first: "quang nam" must not be read inside a longer name, "ha noi" before "hn".
        alternatives = "|".join(re.escape(n) for n in sorted(province_of, key=_longest_first))
        self._province_names = re.compile(f"(?<= )(?:{alternatives})(?= )")
        self._apps = [
            (section.id, _Phrases(content.words(f"app_{section.id}"))) for section in content.menu
        ]
        self._apps += [
            (name.split(":", 1)[1], _Phrases(content.words(name)))
            for name in content.lexicon
            if name.startswith("other_app:")
        ]
        self._devices = [
            (device, _Phrases(content.words(f"device:{device}"))) for device in DEVICES
        ]
        self._wants_person = _Phrases(content.words("wants_person"))
        self._still_failing = _Phrases(content.words("still_failing"))
        self._problem = _Phrases(content.words("problem"))
        self._symptoms = _Phrases(content.words("symptoms"))
        self._urgent = _Phrases(content.words("urgent"))
        english = locale_words.get("en", set())
        vietnamese = locale_words.get("vi", set()) | normalizer.abbreviations
        # Words only the English examples use, and words only the Vietnamese ones use.
        self._english = frozenset(english - vietnamese)
        self._vietnamese = frozenset(vietnamese - english)

    def _text(self, message: str) -> _Text:
        typed = unicodedata.normalize("NFC", message).lower()
        words = _WORD.findall(typed)
        expanded = self._normalizer.normalize(message).folded
        return _Text(
            typed=f" {' '.join(words)} ",
            folded=f" {' '.join(fold(w) for w in words)} ",
            expanded=f" {' '.join(expanded)} ",
            accented=has_diacritics(typed),
        )

    def read(self, message: str) -> Entities:
        """Every entity of `message`."""
        text = self._text(message)
        named = self._province_names.search(text.folded)
        province = self._province_of[named.group(0)] if named else None
        apps = tuple(app for app, phrases in self._apps if phrases.found_in(text))
        device = next((d for d, phrases in self._devices if phrases.found_in(text)), None)
        symptoms = self._symptoms.found_in(text)
        return Entities(
            province=province,
            apps=apps,
            device=device,
            lang=self.language(text),
            wants_person=self._wants_person.found_in(text),
            still_failing=self._still_failing.found_in(text),
            reports_problem=self._problem.found_in(text),
            symptoms=symptoms,
            urgent=symptoms and self._urgent.found_in(text),
        )

    def without_person(self, message: str) -> str:
        """The message with its "which number / a real person" phrases and province names
        taken out, so that the rest of a two-part request can be understood on its own."""
        rest = f" {self._wants_person.removed_from(self._text(message))} "
        return " ".join(self._province_names.sub(" ", rest).split())

    def clauses(self, message: str) -> list[str]:
        """The parts of a message between punctuation marks (its first MAX_CLAUSES), each
        without the phrases that ask for a person and without province names (empty parts
        left out)."""
        found = (part for part in _CLAUSE.split(message) if part.strip())
        parts = (self.without_person(part) for part in itertools.islice(found, MAX_CLAUSES))
        return [part for part in parts if part]

    def language(self, text: _Text) -> Language | None:
        """The message's language, None when it does not say (a name, "ok", a number).

        Vietnamese marks mean Vietnamese; otherwise the words known only from the content's
        English examples are counted against those known only from its Vietnamese ones.
        """
        words = text.folded.split()
        english = sum(w in self._english for w in words)
        vietnamese = sum(w in self._vietnamese for w in words)
        if text.accented:
            # A province's name or one loan word ("café") in an English sentence stays English.
            place = {
                w for m in self._province_names.finditer(text.folded) for w in m.group(0).split()
            }
            marked = sum(has_diacritics(w) and fold(w) not in place for w in text.typed.split())
            if marked <= 1 and english > vietnamese and english >= ENGLISH_OVER_ONE_MARK:
                return "en"
            return "vi"
        if english >= 2 and english > vietnamese:
            return "en"
        if vietnamese >= 1 and vietnamese > english:
            return "vi"
        return None
