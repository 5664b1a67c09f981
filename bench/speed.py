"""Understanding speed beside the logistic-regression baseline, measured in the same run.

- start-up: content load + building the understander, against unpickling the fitted
  baseline (scikit-learn imported first);
- per question after start-up: `Understander.understand` against the baseline's
  `predict_proba`, one question at a time, every blind question once, in file order (so the
  figure includes the first-time cost of repairing typos);
- `helpdesk ask --json` on 1,000 questions from stdin, start-up included, against a process
  that loads the pickled baseline and answers the same 1,000 questions.
"""

from __future__ import annotations

import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.accuracy import logistic_pipeline
from bench.questions import read_questions
from bot.content import load_content
from bot.matcher import Understander
from bot.settings import PROJECT_ROOT

BASELINE_ASK = """
import json, pickle, sys
import sklearn.pipeline
model = pickle.load(open(sys.argv[1], "rb"))
for line in sys.stdin:
    p = model.predict_proba([line.rstrip("\\n")])[0]
    print(json.dumps({"topic": str(model.classes_[int(p.argmax())])}))
"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _per_question(answer: object, questions: list[str]) -> list[float]:
    timings = []
    for question in questions:
        start = time.perf_counter()
        answer(question)  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return timings


def _wall(command: list[str], lines: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(
            command, input=lines, capture_output=True, text=True, cwd=PROJECT_ROOT, check=True
        )
        times.append(time.perf_counter() - start)
        assert len(result.stdout.splitlines()) == lines.count("\n")
    return times


def measure(count: int = 1000, runs: int = 5) -> dict[str, float]:
    """Every speed figure, ours and the baseline's."""
    questions = [q for _, q in read_questions()]
    start = time.perf_counter()
    content = load_content(PROJECT_ROOT / "content")
    understander = Understander(content)
    startup = time.perf_counter() - start
    ours = _per_question(understander.understand, questions)

    model = logistic_pipeline(content)
    with tempfile.TemporaryDirectory() as folder:
        pickled = Path(folder) / "baseline.pickle"
        pickled.write_bytes(pickle.dumps(model))
        import sklearn.pipeline  # noqa: F401  (imported before timing the load, as ours is)

        start = time.perf_counter()
        loaded = pickle.loads(pickled.read_bytes())
        baseline_startup = time.perf_counter() - start
        theirs = _per_question(lambda q: loaded.predict_proba([q]), questions)
        lines = "\n".join(questions[i % len(questions)] for i in range(count)) + "\n"
        ask = _wall([sys.executable, "-m", "bot", "ask", "--json"], lines, runs)
        baseline_ask = _wall([sys.executable, "-c", BASELINE_ASK, str(pickled)], lines, runs)
    return {
        "questions": len(questions),
        "startup_s": startup,
        "baseline_startup_s": baseline_startup,
        "match_p50_ms": statistics.median(ours) * 1000,
        "match_p99_ms": _percentile(ours, 0.99) * 1000,
        "baseline_p50_ms": statistics.median(theirs) * 1000,
        "baseline_p99_ms": _percentile(theirs, 0.99) * 1000,
        "ask_count": count,
        "ask_runs": runs,
        "ask_s": statistics.median(ask),
        "ask_min_s": min(ask),
        "ask_max_s": max(ask),
        "baseline_ask_s": statistics.median(baseline_ask),
    }


if __name__ == "__main__":
    for name, value in measure().items():
        print(f"{name}: {value:.3f}")
