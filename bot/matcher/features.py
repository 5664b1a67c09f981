"""The features the learned classifier reads: one function, used to train and to answer.

Words are the matcher's reading of a text (folded, abbreviations expanded, run-together and
mistyped words repaired); they give unigrams and bigrams. Character n-grams (2-4, inside
each word padded with spaces, like scikit-learn's `char_wb`) come from the folded words
*before* repair, so that a typo still shares most of its n-grams with the right word even
when the repair guessed wrong.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

CHAR_SIZES = (2, 3, 4)


def text_features(words: tuple[str, ...], raw: tuple[str, ...]) -> Counter[str]:
    """Counts of every feature of a text: `w:` word uni/bigrams, `c:` character n-grams."""
    features = [f"w:{word}" for word in words]
    features += [f"w:{a} {b}" for a, b in pairwise(words)]
    for token in raw:
        padded = f" {token} "
        length = len(padded)
        for size in CHAR_SIZES:
            features += [f"c:{padded[i : i + size]}" for i in range(length - size + 1)]
    return Counter(features)


class FeatureIndex:
    """The features a fitted vocabulary knows, found fast: the character n-grams of a word
    are looked up once and remembered (people reuse the same few thousand syllables)."""

    CACHE = 50_000

    def __init__(self, vocabulary: dict[str, int]) -> None:
        self._lookup = vocabulary.get
        self._by_token: dict[str, list[int]] = {}

    def _char_ids(self, token: str) -> list[int]:
        found = self._by_token.get(token)
        if found is None:
            padded = f" {token} "
            length = len(padded)
            lookup = self._lookup
            found = [
                index
                for size in CHAR_SIZES
                for i in range(length - size + 1)
                if (index := lookup(f"c:{padded[i : i + size]}")) is not None
            ]
            if len(self._by_token) < self.CACHE:
                self._by_token[token] = found
        return found

    def counts(self, words: tuple[str, ...], raw: tuple[str, ...]) -> Counter[int]:
        """The same features as `text_features`, as counts of their vocabulary indices;
        features the vocabulary does not know are left out."""
        lookup = self._lookup
        found = [lookup(f"w:{word}") for word in words]
        found += [lookup(f"w:{a} {b}") for a, b in pairwise(words)]
        counts = Counter(index for index in found if index is not None)
        for token in raw:
            counts.update(self._char_ids(token))
        return counts
