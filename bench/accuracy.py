"""Held-out accuracy: the project's matcher beside a plain TF-IDF nearest-neighbour baseline.

Both see exactly the same example questions from content/ and answer the questions of
bench/eval/heldout.tsv, which are never used as examples. A question counts as right when
the topic is right (for out-of-scope questions: when the answer is null).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.questions import HELDOUT, read_questions
from bot.content import Content, load_content
from bot.matcher import Understander
from bot.settings import PROJECT_ROOT

Predictor = Callable[[str], tuple[str | None, float]]
TUNING = PROJECT_ROOT / "tuning" / "dev.tsv"


@dataclass
class Score:
    """Accuracy figures of one predictor on the held-out set."""

    name: str
    in_scope: int
    in_scope_right: int
    out_of_scope: int
    out_of_scope_right: int
    misses: list[tuple[str | None, str | None, str]]

    @property
    def in_scope_accuracy(self) -> float:
        return self.in_scope_right / self.in_scope

    @property
    def out_of_scope_accuracy(self) -> float:
        return self.out_of_scope_right / self.out_of_scope


def evaluate(name: str, predict: Predictor, path: Path = HELDOUT) -> Score:
    """Score a predictor on every question of an evaluation file (default: the held-out set)."""
    score = Score(name, 0, 0, 0, 0, [])
    for expected, question in read_questions(path):
        got, _confidence = predict(question)
        if expected is None:
            score.out_of_scope += 1
            score.out_of_scope_right += got is None
        else:
            score.in_scope += 1
            score.in_scope_right += got == expected
        if got != expected:
            score.misses.append((expected, got, question))
    return score


def project_matcher(content: Content) -> Predictor:
    """The bot's own understanding, as a new person with no conversation behind them."""
    understander = Understander(content)

    def predict(question: str) -> tuple[str | None, float]:
        decision = understander.understand(question)
        return (decision.topic if decision.kind != "unknown" else None), decision.confidence

    return predict


def tfidf_baseline(content: Content) -> Predictor:
    """Word TF-IDF (scikit-learn defaults) over the same topic examples, nearest neighbour.

    Its out-of-scope cut-off is chosen on the tuning set, as the project's own threshold is.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    texts: list[str] = []
    labels: list[str] = []
    for topic in content.topics.values():
        for examples in topic.examples.values():
            for example in examples:
                texts.append(example)
                labels.append(topic.id)
    vectorizer = TfidfVectorizer()
    matrix = vectorizer.fit_transform(texts)

    def nearest(question: str) -> tuple[str, float]:
        similarities = linear_kernel(vectorizer.transform([question]), matrix)[0]
        best = int(similarities.argmax())
        return labels[best], float(similarities[best])

    tuning = [(topic, nearest(question)) for topic, question in read_questions(TUNING)]

    def tuning_score(cut: float) -> float:
        right_in = sum(t == n[0] and n[1] >= cut for t, n in tuning if t is not None)
        right_out = sum(n[1] < cut for t, n in tuning if t is None)
        total_in = sum(t is not None for t, _ in tuning)
        return (right_in / total_in + right_out / (len(tuning) - total_in)) / 2

    cut = max((c / 100 for c in range(5, 95)), key=tuning_score)

    def predict(question: str) -> tuple[str | None, float]:
        topic, similarity = nearest(question)
        return (topic if similarity >= cut else None), similarity

    return predict


def speed(content: Content, questions: list[str]) -> dict[str, float]:
    """Start-up (content load + index build) and the time to understand 1,000 questions."""
    start = time.perf_counter()
    loaded = load_content(PROJECT_ROOT / "content")
    understander = Understander(loaded)
    startup = time.perf_counter() - start
    batch = [questions[i % len(questions)] for i in range(1000)]
    start = time.perf_counter()
    for question in batch:
        understander.understand(question)
    return {"startup_s": startup, "match_1000_s": time.perf_counter() - start}


def main() -> dict[str, object]:
    """Both predictors on the held-out set, plus the matcher's speed."""
    content = load_content(PROJECT_ROOT / "content")
    ours = evaluate("helpdesk matcher", project_matcher(content))
    baseline = evaluate("TF-IDF nearest neighbour", tfidf_baseline(content))
    questions = [q for _, q in read_questions()]
    return {"scores": [ours, baseline], "speed": speed(content, questions)}


if __name__ == "__main__":
    result = main()
    for score in result["scores"]:  # type: ignore[attr-defined]
        print(
            f"{score.name}: in-scope {score.in_scope_accuracy:.1%} "
            f"({score.in_scope_right}/{score.in_scope}), out-of-scope "
            f"{score.out_of_scope_accuracy:.1%} ({score.out_of_scope_right}/{score.out_of_scope})"
        )
    print(result["speed"])
