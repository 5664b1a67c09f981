"""Fit the confidence model and its threshold; writes bot/matcher/calibration.json.

    .venv/bin/python -m tuning.calibrate

1. 5-fold cross-validation over every example in content/: each example is matched by an
   index built without it, giving the signals of bot/matcher/calibration.py and whether the
   best topic was right (an out-of-scope example answered with any topic is wrong).
2. A logistic regression (scikit-learn) on those signals gives the weights.
3. The threshold is the one that best meets both targets on tuning/dev.tsv at once: the
   largest min(in-scope accuracy / 0.92, out-of-scope answered with null / 0.85).
The held-out set in bench/eval/ is never used here: it measures the result.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from bench.questions import read_questions
from bot.content import Content, load_content
from bot.matcher import Understander
from bot.matcher.calibration import SIGNALS, Calibration, signals
from bot.matcher.index import NONE
from bot.settings import PROJECT_ROOT

DEV = Path(__file__).resolve().parent / "dev.tsv"
FOLDS = 5
IN_SCOPE_TARGET = 0.92
OUT_OF_SCOPE_TARGET = 0.85


def folds(content: Content, count: int = FOLDS) -> list[tuple[Content, list[tuple[str, str]]]]:
    """Content with every `count`-th example left out, and the left-out (topic, text) pairs."""
    result = []
    for fold in range(count):
        topics = {}
        held: list[tuple[str, str]] = []
        for topic in content.topics.values():
            kept: dict[str, tuple[str, ...]] = {}
            for locale, examples in topic.examples.items():
                kept[locale] = tuple(e for i, e in enumerate(examples) if i % count != fold)
                held += [(topic.id, e) for i, e in enumerate(examples) if i % count == fold]
            topics[topic.id] = dataclasses.replace(topic, examples=kept)
        outside = tuple(e for i, e in enumerate(content.out_of_scope) if i % count != fold)
        held += [(NONE, e) for i, e in enumerate(content.out_of_scope) if i % count == fold]
        result.append((dataclasses.replace(content, topics=topics, out_of_scope=outside), held))
    return result


def cross_validated(content: Content) -> tuple[np.ndarray, np.ndarray]:
    """Signals and right/wrong labels for every example, matched by an index without it."""
    rows: list[tuple[float, ...]] = []
    labels: list[int] = []
    for reduced, held in folds(content):
        understander = Understander(reduced, Calibration((0.0,) * SIGNALS, 0.0, 0.0))
        for topic, text in held:
            match = understander.matcher.match(text, understander.allowed_for(text)[1])
            best = match.topic
            if best is None:
                continue
            rows.append(signals(match, best))
            labels.append(int(topic != NONE and best == topic))
    return np.array(rows), np.array(labels)


def dev_score(understander: Understander) -> tuple[float, float]:
    """In-scope accuracy and out-of-scope rejection on the tuning set."""
    right_in = total_in = right_out = total_out = 0
    for expected, question in read_questions(DEV):
        decision = understander.understand(question)
        got = decision.topic if decision.kind != "unknown" else None
        if expected is None:
            total_out += 1
            right_out += got is None
        else:
            total_in += 1
            right_in += got == expected
    return right_in / total_in, right_out / total_out


def main() -> None:
    """Fit, choose the threshold, save, and print what was chosen."""
    from sklearn.linear_model import LogisticRegression

    content = load_content(PROJECT_ROOT / "content")
    understander = Understander(content, Calibration((0.0,) * SIGNALS, 0.0, 0.0))
    features, labels = cross_validated(content)
    model = LogisticRegression(C=10.0, max_iter=1000).fit(features, labels)
    weights = tuple(float(w) for w in model.coef_[0])
    bias = float(model.intercept_[0])
    print(f"{FOLDS}-fold: {len(labels)} examples, {labels.mean():.1%} right at top-1")
    best: tuple[float, float, float, float] | None = None
    for threshold in np.arange(0.20, 0.80, 0.02):
        understander.calibration = Calibration(weights, bias, float(threshold))
        in_scope, out_of_scope = dev_score(understander)
        total = min(in_scope / IN_SCOPE_TARGET, out_of_scope / OUT_OF_SCOPE_TARGET)
        print(f"  threshold {threshold:.2f}: in-scope {in_scope:.1%}, out {out_of_scope:.1%}")
        if best is None or total > best[0]:
            best = (total, float(threshold), in_scope, out_of_scope)
    assert best is not None
    _, threshold, in_scope, out_of_scope = best
    calibration = Calibration(weights, bias, round(threshold, 2))
    calibration.save(
        note=(
            "fitted by tuning/calibrate.py: 5-fold cross-validation over content examples; "
            "threshold "
            f"from tuning/dev.tsv (in-scope {in_scope:.1%}, out-of-scope {out_of_scope:.1%})"
        )
    )
    print(f"saved: weights {weights}, bias {bias:.3f}, threshold {threshold:.2f}")


if __name__ == "__main__":
    main()
