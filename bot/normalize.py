"""Vietnamese text normalisation: fold diacritics, expand phone-typing abbreviations, tokenise."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from bot.sized_cache import sized_cache

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


# Caches bounded in bytes: they are fed whole messages, and messages can be long.
@sized_cache(max_bytes=16_000_000)
def fold(text: str) -> str:
    """Lowercase and drop Vietnamese diacritics: 'Điện thoại' -> 'dien thoai'."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


def has_diacritics(text: str) -> bool:
    """True when the text carries Vietnamese marks, so its accented words are worth using."""
    return fold(text) != text.lower()


@dataclass(frozen=True, slots=True)
class Normalized:
    """A text ready for matching: folded tokens (abbreviations expanded) and accented tokens."""

    folded: tuple[str, ...]
    accented: tuple[str, ...]

    @property
    def key(self) -> str:
        """A canonical string for comparing two texts for sameness."""
        return " ".join(self.folded)


class Normalizer:
    """Normalises text with the content's abbreviation table (folded keys -> folded expansions)."""

    def __init__(self, abbreviations: Mapping[str, str]) -> None:
        self._abbreviations = {fold(k): tuple(fold(v).split()) for k, v in abbreviations.items()}

    def normalize(self, text: str) -> Normalized:
        """Tokenise `text`, expanding abbreviations such as 'ko' -> 'khong' and 'ntn'."""
        clean = unicodedata.normalize("NFC", text).lower()
        accented = tuple(_TOKEN.findall(clean))
        folded: list[str] = []
        for token in accented:
            plain = fold(token)
            folded.extend(self._abbreviations.get(plain, (plain,)))
        return Normalized(folded=tuple(folded), accented=accented if has_diacritics(clean) else ())

    def expand(self, word: str) -> tuple[str, ...]:
        """A folded word with its abbreviation expanded ('ko' -> ('khong',))."""
        return self._abbreviations.get(word, (word,))

    @property
    def abbreviations(self) -> frozenset[str]:
        """The folded abbreviations the normaliser expands."""
        return frozenset(self._abbreviations)

    def folded_key(self, text: str) -> str:
        """The folded, expanded form of `text` as one string."""
        return self.normalize(text).key


_NOT_WORD = re.compile(r"[^\w\s]+", re.UNICODE)


@sized_cache(max_bytes=4_000_000)
def plain(text: str) -> str:
    """Folded text without punctuation or extra spaces, for whole-word comparison."""
    return " ".join(_NOT_WORD.sub(" ", fold(text)).split())
