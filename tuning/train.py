"""Fit the learned classifier; writes bot/matcher/model.npz.

    .venv/bin/python -m tuning.train [--check]

A multinomial logistic regression (scikit-learn) over TF-IDF features of every example in
content/ (topics and the out-of-scope list), features as bot/matcher/features.py reads them.
The regularisation and the answering cut-offs (bot/matcher/calibration.json) are chosen on the
tuning sets (tuning/dev.tsv, tuning/retired-heldout.tsv); bench/eval/ is never read here.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

import numpy as np

from bench.questions import read_questions
from bot.content import Content, load_content
from bot.matcher.calibration import Calibration
from bot.matcher.decision import Understander
from bot.matcher.index import Matcher
from bot.matcher.linear import OUT_OF_SCOPE, LinearModel, content_hash, training_examples
from bot.settings import PROJECT_ROOT

HERE = Path(__file__).resolve().parent
TUNING = (HERE / "dev.tsv", HERE / "retired-heldout.tsv", HERE / "dev-styles.tsv")
MIN_DF = 2
C_VALUES = (5.0, 10.0, 20.0, 40.0)
NONE_CUTS = (0.4, 0.5, 0.6)
IN_SCOPE_TARGET = 0.95
OUT_OF_SCOPE_TARGET = 0.95


def vectorize(rows: list[Counter[str]], vocabulary: dict[str, int], idf: np.ndarray):  # type: ignore[no-untyped-def]
    """Sublinear TF-IDF, L2-normalised, as a sparse matrix (the model's own weighting)."""
    from scipy.sparse import csr_matrix

    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    for features in rows:
        known = [(vocabulary[f], c) for f, c in features.items() if f in vocabulary]
        weights = [(1.0 + math.log(c)) * float(idf[i]) for i, c in known]
        norm = math.sqrt(sum(w * w for w in weights)) or 1.0
        indices.extend(i for i, _ in known)
        data.extend(w / norm for w in weights)
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(rows), len(vocabulary)))


def fit(
    rows: list[Counter[str]], labels: list[str], c_value: float, fitted_on: str = ""
) -> LinearModel:
    """A fitted model over `rows` (feature counts) and their labels."""
    from sklearn.linear_model import LogisticRegression

    frequency: Counter[str] = Counter()
    for features in rows:
        frequency.update(features.keys())
    kept = sorted(f for f, df in frequency.items() if df >= MIN_DF)
    vocabulary = {f: i for i, f in enumerate(kept)}
    total = len(rows)
    idf = np.array(
        [math.log((1 + total) / (1 + frequency[f])) + 1.0 for f in kept], dtype=np.float32
    )
    model = LogisticRegression(C=c_value, max_iter=3000)
    model.fit(vectorize(rows, vocabulary, idf), labels)
    return LinearModel(
        classes=tuple(str(c) for c in model.classes_),
        vocabulary=vocabulary,
        idf=idf,
        coef=model.coef_.T.astype(np.float32),
        intercept=model.intercept_.astype(np.float32),
        fitted_on=fitted_on,
    )


def predict(model: LinearModel, features: Counter[str]) -> str | None:
    """The model's answer on its own: a topic, or None when out of scope is likeliest."""
    probabilities = model.probabilities(features)
    best = model.classes[int(probabilities.argmax())]
    return None if best == OUT_OF_SCOPE else best


def tuning_questions() -> list[tuple[str | None, str]]:
    """The tuning sets: questions written apart from the examples, used to choose settings."""
    return [pair for path in TUNING for pair in read_questions(path)]


def tuning_score(predictions: list[tuple[str | None, str | None]]) -> tuple[float, float]:
    """In-scope accuracy and out-of-scope rejection of (expected, got) pairs."""
    inside = [got == expected for expected, got in predictions if expected is not None]
    outside = [got is None for expected, got in predictions if expected is None]
    return sum(inside) / len(inside), sum(outside) / len(outside)


def choose_cutoffs(content: Content, model: LinearModel) -> tuple[Calibration, float, float]:
    """The threshold and out-of-scope cut that best meet both targets on the tuning sets."""
    questions = tuning_questions()
    understander = Understander(content, Calibration(0.0, 1.0), model)
    best: tuple[float, Calibration, float, float] | None = None
    for none_cut in NONE_CUTS:
        for threshold in np.arange(0.10, 0.80, 0.02):
            understander.calibration = Calibration(float(threshold), none_cut)
            predictions = []
            for expected, question in questions:
                decision = understander.understand(question)
                predictions.append(
                    (expected, decision.topic if decision.kind != "unknown" else None)
                )
            inside, outside = tuning_score(predictions)
            total = min(inside / IN_SCOPE_TARGET, outside / OUT_OF_SCOPE_TARGET)
            if best is None or total > best[0]:
                best = (total, Calibration(round(float(threshold), 2), none_cut), inside, outside)
    assert best is not None
    return best[1], best[2], best[3]


def main() -> None:
    """Choose C on the tuning sets, fit on every example, choose the cut-offs, save."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--c", type=float, default=None, help="skip the search, use this C")
    args = parser.parse_args()
    content = load_content(PROJECT_ROOT / "content")
    matcher = Matcher(content)
    pairs = training_examples(content)
    rows = [matcher.features(text) for _, text in pairs]
    labels = [label for label, _ in pairs]
    questions = tuning_questions()
    c_values = C_VALUES if args.c is None else (args.c,)
    fitted: dict[float, tuple[LinearModel, float]] = {}
    for c_value in c_values:
        model = fit(rows, labels, c_value, fitted_on=content_hash(content))
        inside, outside = tuning_score(
            [(expected, predict(model, matcher.features(q))) for expected, q in questions]
        )
        print(f"  C={c_value}: tuning sets in-scope {inside:.1%}, out-of-scope {outside:.1%}")
        fitted[c_value] = (model, inside + outside)
    c_value = max(fitted, key=lambda c: fitted[c][1])
    model = fitted[c_value][0]
    model.save()
    calibration, inside, outside = choose_cutoffs(content, model)
    calibration = Calibration(calibration.threshold, calibration.none_cut, model.fitted_on)
    calibration.save(
        note=(
            f"fitted by tuning/train.py (C={c_value}); cut-offs chosen on the tuning sets "
            f"(in-scope {inside:.1%}, out-of-scope {outside:.1%}); never on bench/eval/"
        )
    )
    print(
        f"saved: C={c_value}, {len(model.vocabulary)} features, {len(model.classes)} classes; "
        f"threshold {calibration.threshold}, none cut {calibration.none_cut} "
        f"(tuning in-scope {inside:.1%}, out-of-scope {outside:.1%})"
    )


if __name__ == "__main__":
    main()
