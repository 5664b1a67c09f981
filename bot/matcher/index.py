"""The content's example questions, read the way the matcher reads people: normalisation,
word repair (run-together and mistyped words), and a retrieval index.

It is long because repair and retrieval share the vocabulary built from the examples.

The words and their repair serve the learned classifier (linear.py). The retrieval index is
built the first time it is used (inline search of guides, bot/share.py):

Each example becomes three sparse TF-IDF vectors: folded words (unigrams and bigrams),
folded character n-grams (catch typos and run-together words) and accented words (used only
when the person typed diacritics, to separate e.g. 'cài' from 'cái'). A topic's score mixes
its centroid (all its examples as one document: robust) with a soft maximum over its single
examples (exact phrasings); the caller decides what is confident enough.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from bot.content.models import Content
from bot.matcher.features import FeatureIndex, text_features
from bot.normalize import Normalizer
from bot.sized_cache import SizedCache

WORD_WEIGHT = 0.55
CHAR_WEIGHT = 0.55
ACCENT_WEIGHT = 0.10
CHAR_NGRAMS = (3,)
# Soft-max pooling temperature over a topic's examples, and how far it may lift the best one.
POOLING = 0.06
POOLING_CAP = 0.1
# Share of a topic's score that comes from its centroid (all its examples as one document).
CENTROID_WEIGHT = 0.9
# Character n-grams found in more than this share of the examples are not indexed.
CHAR_MAX_SHARE = 0.05
TYPO_CUTOFF = 82.0
# Run-together text ("caibluezonethenao") is cut into known words; longer tokens only.
SEGMENT_FROM = 6
LONGEST_WORD = 14
# Repairs are remembered (people make the same typos), and so are the words of whole texts;
# each cache is bounded in bytes (bot/sized_cache.py), so memory stays flat whatever is typed.
REPAIR_CACHE_BYTES = 8_000_000
WORDS_CACHE_BYTES = 8_000_000
# Unknown words searched for (segmentation, then a fuzzy search of the whole vocabulary, about
# 0.25 ms each) per message read: the 8,083 realistic questions of the content, tuning and
# evaluation sets need at most 2 (tests/test_long_messages.py), so 6 cuts none of them, while
# a message of made-up words costs at most 6 searches. Further unknown words are read as
# typed. Tokens longer than LONGEST_TOKEN are never searched (no run-together question is).
MAX_REPAIRS = 6
LONGEST_TOKEN = 40


# The pseudo topic of the content's out-of-scope examples ("none of the above").
NONE = "none"


@dataclass(frozen=True, slots=True)
class Match:
    """Ranked candidates for a text, with what a confidence estimate needs.

    `candidates` are (topic, score) pairs, best first; the out-of-scope class appears as
    NONE. `coverage` is the share of the text's words that occur in in-scope examples;
    `length` is how many words the text has.
    """

    candidates: tuple[tuple[str, float], ...]
    coverage: float = 0.0
    length: int = 0

    @property
    def topic(self) -> str | None:
        """The best in-scope topic, if any."""
        return next((t for t, _ in self.candidates if t != NONE), None)

    def score(self, topic: str | None = None) -> float:
        """The score of `topic` (default: the best in-scope topic), 0 when absent."""
        wanted = topic or self.topic
        return next((s for t, s in self.candidates if t == wanted), 0.0)


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

    def __init__(self, documents: list[Counter[str]], max_share: float = 1.0) -> None:
        """Index `documents`; features found in more than `max_share` of them are left out
        (they carry little and their long posting lists cost the most)."""
        frequency: Counter[str] = Counter()
        for features in documents:
            frequency.update(features.keys())
        total = len(documents)
        self.size = total
        limit = max_share * total
        self.idf = {
            f: math.log((1 + total) / (1 + df)) + 1.0
            for f, df in frequency.items()
            if df <= limit or total < 50
        }
        self.feature_ids = {f: i for i, f in enumerate(self.idf)}
        self.idf_values = np.fromiter(self.idf.values(), dtype=np.float64, count=len(self.idf))
        # Every (document, feature, count) at once; weights and norms computed in numpy.
        doc_of: list[int] = []
        feature_of: list[int] = []
        count_of: list[int] = []
        ids = self.feature_ids
        for doc, features in enumerate(documents):
            for feature, count in features.items():
                fid = ids.get(feature)
                if fid is not None:
                    doc_of.append(doc)
                    feature_of.append(fid)
                    count_of.append(count)
        docs = np.array(doc_of, dtype=np.int32)
        features_array = np.array(feature_of, dtype=np.int64)
        weights = (1.0 + np.log(np.array(count_of, dtype=np.float64))) * self.idf_values[
            features_array
        ]
        norms = np.sqrt(np.bincount(docs, weights=weights * weights, minlength=total))
        weights /= np.where(norms > 0, norms, 1.0)[docs]
        order = np.argsort(features_array, kind="stable")
        self.docs = docs[order]
        self.weights = weights[order]
        lengths = np.bincount(features_array, minlength=len(ids))
        self.starts = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)

    def vector(self, features: Counter[str]) -> dict[str, float]:
        """The L2-normalised TF-IDF weights of known features (used to index documents)."""
        weights = {
            f: (1.0 + math.log(count)) * self.idf[f]
            for f, count in features.items()
            if f in self.idf
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {f: w / norm for f, w in weights.items()} if norm else {}

    def cosines(self, features: Counter[str]) -> NDArray[np.float64]:
        """The cosine of the query with every document (zeros where nothing is shared)."""
        known = [(self.feature_ids[f], c) for f, c in features.items() if f in self.feature_ids]
        if not known:
            return np.zeros(self.size)
        ids = np.fromiter((i for i, _ in known), dtype=np.int64, count=len(known))
        counts = np.fromiter((c for _, c in known), dtype=np.float64, count=len(known))
        query_weights = (1.0 + np.log(counts)) * self.idf_values[ids]
        query_weights /= np.sqrt(np.dot(query_weights, query_weights))
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


@dataclass(frozen=True, slots=True)
class _Spaces:
    """The TF-IDF spaces of the retrieval index: per example, and per topic (centroids)."""

    words: _Space
    chars: _Space
    accents: _Space
    topic_words: _Space
    topic_chars: _Space


class Matcher:
    """Finds the topic whose example questions are nearest to a typed text."""

    def __init__(self, content: Content) -> None:
        """Index every topic's title and examples, and the out-of-scope examples."""
        self.normalizer = Normalizer(content.abbreviations)
        self._topic_of: list[str] = []
        texts: list[str] = []
        locale_of: list[str | None] = []
        for topic in content.topics.values():
            for text in topic.title.values.values():
                self._topic_of.append(topic.id)
                texts.append(text)
                locale_of.append(None)
            for locale, examples in topic.examples.items():
                self._topic_of.extend(topic.id for _ in examples)
                texts.extend(examples)
                locale_of.extend(locale for _ in examples)
        in_scope = len(texts)
        for text in content.out_of_scope:
            self._topic_of.append(NONE)
            texts.append(text)
        normalized = [self.normalizer.normalize(text) for text in texts]
        # A word counts as known to the topics when at least two examples use it, so that
        # leave-one-out evaluation never sees a held-out example's own words as known.
        frequency = Counter(t for n in normalized[:in_scope] for t in set(n.folded))
        in_scope_words = {t for t, count in frequency.items() if count >= 2}
        self._has_accents = np.array([bool(n.accented) for n in normalized], dtype=bool)
        # Examples are stored topic by topic, so a topic's best score is a max over a slice.
        self._topic_ids: list[str] = []
        starts: list[int] = []
        for index, topic_id in enumerate(self._topic_of):
            if not self._topic_ids or self._topic_ids[-1] != topic_id:
                self._topic_ids.append(topic_id)
                starts.append(index)
        self._topic_starts = np.array(starts, dtype=np.int64)
        self._topic_position = {t: i for i, t in enumerate(self._topic_ids)}
        self.topic_words: dict[str, set[str]] = {t: set() for t in self._topic_ids}
        for index, topic_id in enumerate(self._topic_of):
            self.topic_words[topic_id].update(normalized[index].folded)
        self._normalized = normalized
        # Per locale, the folded words its topic examples use (for telling languages apart).
        self.locale_words: dict[str, set[str]] = {}
        in_scope_texts = normalized[: len(locale_of)]
        for example_locale, words in zip(locale_of, in_scope_texts, strict=True):
            if example_locale is not None:
                self.locale_words.setdefault(example_locale, set()).update(words.folded)
        self._vocabulary = sorted({t for n in normalized for t in n.folded})
        self._known = set(self._vocabulary)
        self._segmentable = self._known | self.normalizer.abbreviations
        self._repaired: SizedCache[str, tuple[str, ...]] = SizedCache(REPAIR_CACHE_BYTES)
        self._words_of: SizedCache[str, tuple[str, ...]] = SizedCache(WORDS_CACHE_BYTES)
        self._in_scope_words = in_scope_words
        # Searches left to the message being read (see `reading`).
        self._searches_left = MAX_REPAIRS
        self._in_message = False

    @cached_property
    def _spaces(self) -> _Spaces:
        """The retrieval index, built the first time `match` is used (inline search), so that
        answering with the learned classifier does not pay for it at start-up."""
        normalized = self._normalized
        word_features = [_word_features(n.folded) for n in normalized]
        char_features = [_char_features(n.folded) for n in normalized]
        # One document per topic, all its examples together: the topic's centroid.
        word_docs: list[Counter[str]] = [Counter() for _ in self._topic_ids]
        char_docs: list[Counter[str]] = [Counter() for _ in self._topic_ids]
        for index, topic_id in enumerate(self._topic_of):
            position = self._topic_position[topic_id]
            word_docs[position].update(word_features[index])
            char_docs[position].update(char_features[index])
        return _Spaces(
            words=_Space(word_features),
            chars=_Space(char_features, CHAR_MAX_SHARE),
            accents=_Space([Counter(n.accented) for n in normalized]),
            topic_words=_Space(word_docs),
            topic_chars=_Space(char_docs),
        )

    @property
    def example_count(self) -> int:
        """How many example texts the index holds."""
        return len(self._topic_of)

    def _repair(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """Cut run-together words into known ones, and correct unknown words to the nearest."""
        repaired: list[str] = []
        for token in tokens:
            repaired.extend(self._repair_token(token))
        return tuple(repaired)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Read one message: every text read inside the block (the message, its clauses, the
        message without its request for a person) shares one budget of MAX_REPAIRS searches.
        Outside a block, each call of `words` or `pieces` has a budget of its own."""
        if self._in_message:
            yield
            return
        self._in_message, self._searches_left = True, MAX_REPAIRS
        try:
            yield
        finally:
            self._in_message = False

    def _new_call(self) -> None:
        if not self._in_message:
            self._searches_left = MAX_REPAIRS

    def _repair_token(self, token: str) -> tuple[str, ...]:
        if token in self._known or len(token) < 4 or token.isdigit():
            return (token,)
        cached = self._repaired.get(token)
        if cached is not None:
            return cached
        if self._searches_left <= 0 or len(token) > LONGEST_TOKEN:
            return (token,)  # over the message's budget: read as typed, and not remembered
        self._searches_left -= 1
        pieces = self._segment(token) if len(token) >= SEGMENT_FROM else None
        if pieces:
            result = tuple(word for piece in pieces for word in self.normalizer.expand(piece))
        else:
            best = process.extractOne(
                token, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF
            )
            result = (best[0] if best else token,)
        self._repaired.put(token, result)
        return result

    def _segment(self, token: str) -> list[str] | None:
        """The cut of `token` into known words (or abbreviations) with the fewest pieces.

        One-letter pieces cost more, so 'khaibaoytetunguyen' becomes 'khai bao y te tu nguyen'
        and not a spray of single letters; None when no cut covers the whole token.
        """
        size = len(token)
        cost: list[float] = [0.0] + [float("inf")] * size
        back = [0] * (size + 1)
        for end in range(1, size + 1):
            for start in range(max(0, end - LONGEST_WORD), end):
                if cost[start] == float("inf"):
                    continue
                piece = token[start:end]
                if piece not in self._segmentable:
                    continue
                step = 1.0 if len(piece) > 1 else 2.5
                if cost[start] + step < cost[end]:
                    cost[end], back[end] = cost[start] + step, start
        if cost[size] == float("inf"):
            return None
        pieces: list[str] = []
        end = size
        while end > 0:
            pieces.append(token[back[end] : end])
            end = back[end]
        return pieces[::-1] if len(pieces) > 1 else None

    def _pool(self, scores: NDArray[np.float64]) -> NDArray[np.float64]:
        """A topic's score from its examples': a soft maximum, so that a topic with several
        close examples beats one with a single lucky one (POOLING = 0 is the plain max)."""
        if POOLING <= 0:
            pooled: NDArray[np.float64] = np.maximum.reduceat(scores, self._topic_starts)
            return pooled
        best = np.maximum.reduceat(scores, self._topic_starts)
        spread = np.repeat(best, np.diff(np.append(self._topic_starts, len(scores))))
        mass = np.add.reduceat(np.exp((scores - spread) / POOLING), self._topic_starts)
        pooled = best + POOLING * np.log(mass)
        return np.minimum(pooled, best + POOLING_CAP)

    def words(self, text: str) -> tuple[str, ...]:
        """The folded, expanded and typo-repaired words the matcher reads in `text`."""
        cached = self._words_of.get(text)
        if cached is None:
            self._new_call()
            cached = self._repair(self.normalizer.normalize(text).folded)
            self._words_of.put(text, cached)
        return cached

    def pieces(self, text: str) -> tuple[str, ...]:
        """The folded, expanded words of `text` with run-together words cut apart, but no
        typo corrected: what the character n-grams are read from."""
        pieces: list[str] = []
        self._new_call()
        for token in self.normalizer.normalize(text).folded:
            repaired = self._repair_token(token)
            if len(repaired) > 1:
                pieces.extend(repaired)
            else:
                pieces.append(token)
        return tuple(pieces)

    def features(self, text: str) -> Counter[str]:
        """The learned classifier's features of `text` (bot/matcher/features.py)."""
        return text_features(self.words(text), self.pieces(text))

    def known_features(self, text: str, index: FeatureIndex) -> Counter[int]:
        """The features of `text` that a fitted vocabulary knows, as counts of their indices."""
        return index.counts(self.words(text), self.pieces(text))

    def match(self, text: str, allowed: frozenset[str] | None = None) -> Match:
        """Rank topics for `text` (only `allowed` ones, and always NONE, when given)."""
        normalized = self.normalizer.normalize(text)
        folded = self.words(text)
        if not folded:
            return Match(())
        word_features, char_features = _word_features(folded), _char_features(folded)
        words = self._spaces.words.cosines(word_features)
        chars = self._spaces.chars.cosines(char_features)
        scores = WORD_WEIGHT * words + CHAR_WEIGHT * chars
        total = WORD_WEIGHT + CHAR_WEIGHT
        if normalized.accented:
            # An example typed without marks says nothing about accents: stay neutral there.
            accents = self._spaces.accents.cosines(Counter(normalized.accented))
            scores += ACCENT_WEIGHT * np.where(self._has_accents, accents, words)
            total += ACCENT_WEIGHT
        scores /= total
        per_topic = self._pool(scores)
        if CENTROID_WEIGHT > 0:
            centroid = (
                WORD_WEIGHT * self._spaces.topic_words.cosines(word_features)
                + CHAR_WEIGHT * self._spaces.topic_chars.cosines(char_features)
            ) / (WORD_WEIGHT + CHAR_WEIGHT)
            per_topic = (1 - CENTROID_WEIGHT) * per_topic + CENTROID_WEIGHT * centroid
        if allowed is not None:
            mask = np.zeros(len(self._topic_ids), dtype=bool)
            for topic in (*allowed, NONE):
                position = self._topic_position.get(topic)
                if position is not None:
                    mask[position] = True
            per_topic = np.where(mask, per_topic, 0.0)
        order = list(np.argsort(-per_topic)[:6])
        none = self._topic_position.get(NONE)
        if none is not None and none not in order:
            order.append(none)  # the out-of-scope score is always wanted, however low
        ranked = tuple(
            (self._topic_ids[i], float(per_topic[i])) for i in order if per_topic[i] > 0.0
        )
        coverage = sum(t in self._in_scope_words for t in folded) / len(folded)
        return Match(ranked, coverage, len(folded))
