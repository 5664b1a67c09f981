"""Understanding on the blind held-out set: the bot beside its peers, on the same questions.

Every method learns from exactly the same examples (content/: topics and out_of_scope.yaml)
and answers the questions of bench/eval/blind.tsv, written by someone who never saw those
examples. A question counts as right when the topic is right (for out-of-scope questions:
when the method refuses). Peers:
- **baseline**: scikit-learn, TF-IDF over character 2-4-grams (`char_wb`) of the text with
  its diacritics stripped, and a logistic regression (defaults); it refuses when the
  out-of-scope class has a probability of 0.5 or more.
- **Rasa DIET**: Rasa 3.6's DIETClassifier (bench/rasa/), run in its own environment by
  `make bench-rasa`, which leaves its answers in bench/results/rasa-blind.jsonl.
Paired differences are tested with McNemar's exact test over all questions.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.questions import BLIND, Labelled, read_labelled
from bot.content import Content, load_content
from bot.matcher import Understander
from bot.matcher.linear import OUT_OF_SCOPE, content_hash, training_examples
from bot.normalize import fold
from bot.settings import PROJECT_ROOT

Predictor = Callable[[str], str | None]
RASA_ANSWERS = PROJECT_ROOT / "bench" / "results" / "rasa-blind.jsonl"
RASA_REFUSALS = ("nlu_fallback", OUT_OF_SCOPE, "out_of_scope")


@dataclass
class Score:
    """One method's answers to the evaluation set, and which were right."""

    name: str
    answers: list[str | None]
    right: list[bool]
    rows: Sequence[Labelled] = field(repr=False, default=())

    def _share(self, keep: Callable[[Labelled], bool]) -> tuple[int, int]:
        chosen = [ok for ok, row in zip(self.right, self.rows, strict=True) if keep(row)]
        return sum(chosen), len(chosen)

    @property
    def in_scope(self) -> tuple[int, int]:
        """(right, total) over the questions the bot should answer."""
        return self._share(lambda row: row.topic is not None)

    @property
    def out_of_scope(self) -> tuple[int, int]:
        """(right, total) over the questions the bot should refuse."""
        return self._share(lambda row: row.topic is None)

    def by(self, key: Callable[[Labelled], str]) -> dict[str, tuple[int, int]]:
        """(right, total) per value of `key` (a style, a topic)."""
        groups: dict[str, list[bool]] = defaultdict(list)
        for ok, row in zip(self.right, self.rows, strict=True):
            groups[key(row)].append(ok)
        return {name: (sum(oks), len(oks)) for name, oks in sorted(groups.items())}

    def misses(self) -> list[tuple[str | None, str | None, str]]:
        """(expected, got, question) for every wrong answer."""
        return [
            (row.topic, got, row.question)
            for ok, got, row in zip(self.right, self.answers, self.rows, strict=True)
            if not ok
        ]


def evaluate(name: str, predict: Predictor, rows: Sequence[Labelled]) -> Score:
    """Score a predictor on every question."""
    answers = [predict(row.question) for row in rows]
    return score_answers(name, answers, rows)


def score_answers(name: str, answers: list[str | None], rows: Sequence[Labelled]) -> Score:
    """Score given answers (None = refused) against the labels."""
    right = [got == row.topic for got, row in zip(answers, rows, strict=True)]
    return Score(name, answers, right, rows)


def wilson(right: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson confidence interval of a proportion."""
    if total == 0:
        return (0.0, 0.0)
    p = right / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return (max(0.0, centre - half), min(1.0, centre + half))


def mcnemar(ours: Score, peer: Score) -> tuple[int, int, float]:
    """McNemar's exact test: (only we are right, only the peer is right, two-sided p)."""
    only_ours = sum(a and not b for a, b in zip(ours.right, peer.right, strict=True))
    only_peer = sum(b and not a for a, b in zip(ours.right, peer.right, strict=True))
    total = only_ours + only_peer
    if total == 0:
        return only_ours, only_peer, 1.0
    low = min(only_ours, only_peer)
    tail = sum(math.comb(total, k) for k in range(low + 1)) / 2**total
    return only_ours, only_peer, min(1.0, 2 * tail)


def project_matcher(content: Content) -> Predictor:
    """The bot's own understanding, as a new person with no conversation behind them."""
    understander = Understander(content)

    def predict(question: str) -> str | None:
        decision = understander.understand(question)
        return decision.topic if decision.kind != "unknown" else None

    return predict


def logistic_pipeline(content: Content) -> Any:
    """The baseline, fitted: TF-IDF char 2-4-grams (`char_wb`) of the text with diacritics
    stripped, then a logistic regression (scikit-learn defaults), on the content's examples."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pairs = training_examples(content)
    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), preprocessor=fold),
        LogisticRegression(max_iter=2000),
    )
    model.fit([text for _, text in pairs], [label for label, _ in pairs])
    return model


def logistic_baseline(content: Content) -> Predictor:
    """The baseline as a predictor: refuses when P(out of scope) >= 0.5."""
    model = logistic_pipeline(content)
    none = list(model.classes_).index(OUT_OF_SCOPE)

    def predict(question: str) -> str | None:
        probabilities = model.predict_proba([question])[0]
        if probabilities[none] >= 0.5:
            return None
        best = str(model.classes_[int(probabilities.argmax())])
        return None if best == OUT_OF_SCOPE else best

    return predict


def rasa_answers(
    rows: Sequence[Labelled], content: Content
) -> tuple[list[str | None], dict[str, object]] | None:
    """Rasa DIET's answers from `make bench-rasa`, if they are for these questions and this
    content (None otherwise: the table then says Rasa was not run)."""
    meta_path = RASA_ANSWERS.with_suffix(".meta.json")
    if not RASA_ANSWERS.exists() or not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    lines = [json.loads(line) for line in RASA_ANSWERS.read_text(encoding="utf-8").splitlines()]
    if meta.get("content") != content_hash(content) or [x["text"] for x in lines] != [
        row.question for row in rows
    ]:
        return None
    answers = [None if x["intent"] in RASA_REFUSALS else str(x["intent"]) for x in lines]
    return answers, meta


def write_training_file(content: Content, path: Path) -> None:
    """The examples as `label<TAB>text` for peers that run in another environment."""
    lines = [f"{label}\t{' '.join(text.split())}" for label, text in training_examples(content)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def compare(path: Path = BLIND) -> dict[str, object]:
    """Every method on the questions of the evaluation set that count as unseen."""
    from bench.overlap import unseen

    content = load_content(PROJECT_ROOT / "content")
    every = read_labelled(path)
    rows, left_out = unseen(content, every)
    scores = [
        evaluate("helpdesk", project_matcher(content), rows),
        evaluate(
            "baseline: TF-IDF char 2-4 + logistic regression", logistic_baseline(content), rows
        ),
    ]
    rasa = rasa_answers(every, content)
    rasa_meta: dict[str, object] = {}
    if rasa is not None:
        kept = {id(row) for row in rows}
        answers = [a for a, row in zip(rasa[0], every, strict=True) if id(row) in kept]
        scores.append(score_answers("Rasa 3.6 DIET", answers, rows))
        rasa_meta = rasa[1]
    return {"rows": rows, "left_out": left_out, "scores": scores, "rasa": rasa_meta}


def _percent(pair: tuple[int, int]) -> str:
    right, total = pair
    return f"{right / total:.1%}" if total else "-"


def markdown(result: dict[str, object]) -> str:
    """The tables for the README: totals with intervals, McNemar, styles, topics."""
    scores = result["scores"]
    assert isinstance(scores, list)
    ours: Score = scores[0]
    lines = [
        "| method | in-scope topic right (95% CI) | out-of-scope refused (95% CI) | all "
        "| McNemar vs helpdesk (only helpdesk right / only peer right, p) |",
        "|---|---|---|---|---|",
    ]
    for score in scores:
        inside, outside = score.in_scope, score.out_of_scope
        low_in, high_in = wilson(*inside)
        low_out, high_out = wilson(*outside)
        all_right = sum(score.right)
        test = "" if score is ours else "{} / {}, p = {:.2g}".format(*mcnemar(ours, score))
        lines.append(
            f"| {score.name} | {_percent(inside)} ({inside[0]}/{inside[1]}; "
            f"{low_in:.1%}-{high_in:.1%}) | {_percent(outside)} ({outside[0]}/{outside[1]}; "
            f"{low_out:.1%}-{high_out:.1%}) | {all_right / len(score.right):.1%} | {test} |"
        )
    lines += ["", "By typing style (share right; in-scope and out-of-scope together):", ""]
    lines.append("| style | questions | " + " | ".join(s.name for s in scores) + " |")
    lines.append("|---|---|" + "---|" * len(scores))
    styles = [s.by(lambda row: row.style) for s in scores]
    for style, (_, total) in styles[0].items():
        lines.append(
            f"| {style} | {total} | " + " | ".join(_percent(by[style]) for by in styles) + " |"
        )
    lines += ["", "By topic (share right):", ""]
    lines.append("| topic | questions | " + " | ".join(s.name for s in scores) + " |")
    lines.append("|---|---|" + "---|" * len(scores))
    topics = [s.by(lambda row: row.topic or "null (refuse)") for s in scores]
    for topic, (_, total) in topics[0].items():
        lines.append(
            f"| {topic} | {total} | " + " | ".join(_percent(by[topic]) for by in topics) + " |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(compare()))
