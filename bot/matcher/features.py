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


def known_features(
    words: tuple[str, ...], raw: tuple[str, ...], vocabulary: dict[str, int]
) -> Counter[int]:
    """The same features as `text_features`, as counts of their indices in `vocabulary`;
    features the vocabulary does not know are dropped as they are made."""
    lookup = vocabulary.get
    found: list[int | None] = [lookup(f"w:{word}") for word in words]
    found += [lookup(f"w:{a} {b}") for a, b in pairwise(words)]
    for token in raw:
        padded = f" {token} "
        length = len(padded)
        for size in CHAR_SIZES:
            found += [lookup(f"c:{padded[i : i + size]}") for i in range(length - size + 1)]
    return Counter(index for index in found if index is not None)
