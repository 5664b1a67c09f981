"""A linear classifier over TF-IDF features, fitted offline, answered with numpy alone.

`tuning/train.py` fits a multinomial logistic regression (scikit-learn) on the content's
examples and writes its vocabulary, IDF weights and coefficients to `model.npz` beside this
file, with a hash of the content it was fitted on. Answering needs no scikit-learn (whose
import alone takes over a second): a question's features are looked up in the vocabulary,
weighted, L2-normalised, and multiplied with the coefficients of the features it has.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.content.models import Content
from bot.matcher.index import NONE

MODEL_FILE = Path(__file__).resolve().parent / "model.npz"
# The class of the content's out-of-scope examples: the retrieval index's name for them.
OUT_OF_SCOPE = NONE


def training_examples(content: Content) -> list[tuple[str, str]]:
    """(label, text) for every example the classifier learns from, in a stable order."""
    pairs: list[tuple[str, str]] = []
    for topic in sorted(content.topics.values(), key=lambda t: t.id):
        pairs.extend((topic.id, title) for title in topic.title.values.values())
        for locale in sorted(topic.examples):
            pairs.extend((topic.id, text) for text in topic.examples[locale])
    pairs.extend((OUT_OF_SCOPE, text) for text in content.out_of_scope)
    return pairs


def content_hash(content: Content) -> str:
    """A fingerprint of everything the model learns from: examples and abbreviations."""
    digest = hashlib.sha256()
    for label, text in training_examples(content):
        digest.update(f"{label}\t{text}\n".encode())
    for key in sorted(content.abbreviations):
        digest.update(f"{key}={content.abbreviations[key]}\n".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class LinearModel:
    """Vocabulary, IDF, coefficients (features x classes) and intercepts of the classifier."""

    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: NDArray[np.float32]
    coef: NDArray[np.float32]
    intercept: NDArray[np.float32]
    fitted_on: str

    def probabilities(self, features: Counter[str]) -> NDArray[np.float64]:
        """The probability of every class for a text's feature counts (softmax)."""
        lookup = self.vocabulary.get
        known: Counter[int] = Counter()
        for feature, count in features.items():
            index = lookup(feature)
            if index is not None:
                known[index] += count
        return self.probabilities_of(known)

    def probabilities_of(self, known: Counter[int]) -> NDArray[np.float64]:
        """The probability of every class for counts of known feature indices."""
        logits = self.intercept.astype(np.float64)
        if known:
            ids = np.fromiter(known.keys(), dtype=np.intp, count=len(known))
            counts = np.fromiter(known.values(), dtype=np.float64, count=len(known))
            weights = (1.0 + np.log(counts)) * self.idf[ids]
            norm = math.sqrt(float(np.dot(weights, weights)))
            if norm > 0:
                logits = logits + (weights / norm) @ self.coef[ids]
        logits -= logits.max()
        exp = np.exp(logits)
        result: NDArray[np.float64] = exp / exp.sum()
        return result

    def save(self, path: Path = MODEL_FILE) -> None:
        """Write the model (tuning/train.py)."""
        features = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        np.savez_compressed(
            path,
            classes=np.array(self.classes),
            features=np.array(features),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
            fitted_on=np.array(self.fitted_on),
        )

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> LinearModel:
        """Read the shipped model."""
        with np.load(path) as data:
            features = data["features"].tolist()
            return cls(
                classes=tuple(data["classes"].tolist()),
                vocabulary={f: i for i, f in enumerate(features)},
                idf=data["idf"].astype(np.float32),
                coef=data["coef"].astype(np.float32),
                intercept=data["intercept"].astype(np.float32),
                fitted_on=str(data["fitted_on"]),
            )
