"""Nearest-neighbour retrieval over the content's example questions, built at start-up.

Each example becomes three sparse TF-IDF vectors: folded words (unigrams and bigrams),
folded character n-grams (catch typos and run-together words) and accented words (used only
when the person typed diacritics, to separate e.g. 'cài' from 'cái'). A topic scores the best
cosine of any of its examples; the caller decides what is confident enough.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from bot.content.models import Content
from bot.matcher.normalize import Normalized, Normalizer

WORD_WEIGHT = 0.55
CHAR_WEIGHT = 0.35
ACCENT_WEIGHT = 0.10
CHAR_NGRAMS = (3, 4)
TYPO_CUTOFF = 82.0


@dataclass(frozen=True, slots=True)
class Match:
    """The best topic for a text (None when nothing matched at all) and the ranked candidates."""

    topic: str | None
    score: float
    candidates: tuple[tuple[str, float], ...]


def _word_features(tokens: tuple[str, ...]) -> Counter[str]:
    features: Counter[str] = Counter(tokens)
    features.update(f"{a} {b}" for a, b in pairwise(tokens))
    return features


def _char_features(tokens: tuple[str, ...]) -> Counter[str]:
    text = " " + " ".join(tokens) + " "
    features: Counter[str] = Counter()
    for n in CHAR_NGRAMS:
        features.update(text[i : i + n] for i in range(len(text) - n + 1))
    return features


class _Space:
    """One TF-IDF space stored column-wise: for each feature, the documents that have it.

    A query's cosine with every document is one `bincount` over the postings of the
    query's features, which keeps matching well under a millisecond.
    """

    def __init__(self, documents: list[Counter[str]]) -> None:
        frequency: Counter[str] = Counter()
        for features in documents:
            frequency.update(features.keys())
        total = len(documents)
        self.size = total
        self.idf = {f: math.log((1 + total) / (1 + df)) + 1.0 for f, df in frequency.items()}
        self.feature_ids = {f: i for i, f in enumerate(self.idf)}
        rows: list[list[int]] = [[] for _ in self.feature_ids]
        values: list[list[float]] = [[] for _ in self.feature_ids]
        for doc, features in enumerate(documents):
            for feature, weight in self.vector(features).items():
                fid = self.feature_ids[feature]
                rows[fid].append(doc)
                values[fid].append(weight)
        lengths = [len(r) for r in rows]
        self.starts = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        self.docs = np.fromiter((d for r in rows for d in r), dtype=np.int32, count=sum(lengths))
        self.weights = np.fromiter(
            (w for v in values for w in v), dtype=np.float64, count=sum(lengths)
        )

    def vector(self, features: Counter[str]) -> dict[str, float]:
        """The L2-normalised TF-IDF weights of known features."""
        weights = {
            f: (1.0 + math.log(count)) * self.idf[f]
            for f, count in features.items()
            if f in self.idf
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {f: w / norm for f, w in weights.items()} if norm else {}

    def cosines(self, features: Counter[str]) -> NDArray[np.float64]:
        """The cosine of the query with every document (zeros where nothing is shared)."""
        query = self.vector(features)
        if not query:
            return np.zeros(self.size)
        ids = np.fromiter((self.feature_ids[f] for f in query), dtype=np.int64, count=len(query))
        query_weights = np.fromiter(query.values(), dtype=np.float64, count=len(query))
        starts, lengths = self.starts[ids], self.starts[ids + 1] - self.starts[ids]
        total = int(lengths.sum())
        # Positions of every posting of every query feature, gathered without a Python loop.
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        scores: NDArray[np.float64] = np.bincount(
            self.docs[offsets],
            weights=self.weights[offsets] * np.repeat(query_weights, lengths),
            minlength=self.size,
        ).astype(np.float64, copy=False)
        return scores


class Matcher:
    """Finds the topic whose example questions are nearest to a typed text."""

    def __init__(self, content: Content, drop: tuple[str, ...] = ()) -> None:
        """Index the content's examples; `drop` lists phrases to leave out of every text."""
        self.normalizer = Normalizer(content.abbreviations)
        self._drop = tuple(tuple(self.normalizer.normalize(p).folded) for p in drop if p.strip())
        self._topic_of: list[str] = []
        normalized: list[Normalized] = []
        for topic in content.topics.values():
            for text in self._texts(topic.title.values.values(), topic.examples.values()):
                self._topic_of.append(topic.id)
                normalized.append(self._normalize(text))
        self._has_accents = np.array([bool(n.accented) for n in normalized], dtype=bool)
        # Examples are stored topic by topic, so a topic's best score is a max over a slice.
        self._topic_ids: list[str] = []
        starts: list[int] = []
        for index, topic_id in enumerate(self._topic_of):
            if not self._topic_ids or self._topic_ids[-1] != topic_id:
                self._topic_ids.append(topic_id)
                starts.append(index)
        self._topic_starts = np.array(starts, dtype=np.int64)
        self._words = _Space([_word_features(n.folded) for n in normalized])
        self._chars = _Space([_char_features(n.folded) for n in normalized])
        self._accents = _Space([Counter(n.accented) for n in normalized])
        self._vocabulary = sorted({t for n in normalized for t in n.folded})
        self._known = set(self._vocabulary)

    def _normalize(self, text: str) -> Normalized:
        normalized = self.normalizer.normalize(text)
        if not self._drop:
            return normalized
        tokens = list(normalized.folded)
        for phrase in self._drop:
            size = len(phrase)
            i = 0
            while i + size <= len(tokens):
                if tuple(tokens[i : i + size]) == phrase:
                    del tokens[i : i + size]
                else:
                    i += 1
        return Normalized(folded=tuple(tokens), accented=normalized.accented)

    @staticmethod
    def _texts(titles: Iterable[str], groups: Iterable[tuple[str, ...]]) -> Iterable[str]:
        yield from titles
        for group in groups:
            yield from group

    @property
    def example_count(self) -> int:
        """How many example texts the index holds."""
        return len(self._topic_of)

    def _repair(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Correct unknown words to the nearest known one, and split run-together words."""
        repaired: list[str] = []
        for token in tokens:
            if token in self._known or len(token) < 4 or token.isdigit():
                repaired.append(token)
                continue
            split = self._split(token)
            if split:
                repaired.extend(split)
                continue
            best = process.extractOne(
                token, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF
            )
            repaired.append(best[0] if best else token)
        return tuple(repaired)

    def _split(self, token: str) -> list[str] | None:
        for cut in range(2, len(token) - 1):
            left, right = token[:cut], token[cut:]
            if left in self._known and right in self._known:
                return [left, right]
        return None

    def words(self, text: str) -> tuple[str, ...]:
        """The folded, expanded and typo-repaired words the matcher reads in `text`."""
        return self._repair(self._normalize(text).folded)

    def match(self, text: str) -> Match:
        """Rank topics for `text`; the score is a cosine-like similarity between 0 and 1."""
        normalized = self._normalize(text)
        folded = self._repair(normalized.folded)
        if not folded:
            return Match(None, 0.0, ())
        words = self._words.cosines(_word_features(folded))
        chars = self._chars.cosines(_char_features(folded))
        scores = WORD_WEIGHT * words + CHAR_WEIGHT * chars
        total = WORD_WEIGHT + CHAR_WEIGHT
        if normalized.accented:
            # An example typed without marks says nothing about accents: stay neutral there.
            accents = self._accents.cosines(Counter(normalized.accented))
            scores += ACCENT_WEIGHT * np.where(self._has_accents, accents, words)
            total += ACCENT_WEIGHT
        per_topic = np.maximum.reduceat(scores / total, self._topic_starts)
        order = np.argsort(-per_topic)[:5]
        ranked = tuple(
            (self._topic_ids[i], float(per_topic[i])) for i in order if per_topic[i] > 0.0
        )
        if not ranked:
            return Match(None, 0.0, ())
        return Match(ranked[0][0], ranked[0][1], ranked)
