"""`make bench`: run every benchmark and write the figures into README.md (and bench/results/)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import platform
import time

from bench import accuracy, latency
from bench.questions import HELDOUT, read_questions
from bench.readme import write_block
from bot.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results" / "latest.json"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def reference_seconds() -> float:
    """A fixed pure-Python workload (5 million additions), best of 3: how fast this machine
    is during the run, so that figures from different runs can be compared."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for number in range(5_000_000):
            total += number
        best = min(best, time.perf_counter() - start)
    return best


def _markdown(
    handle: dict[str, float], ask: dict[str, float], quality: dict[str, object], reference: float
) -> str:
    scores = quality["scores"]
    speed = quality["speed"]
    assert isinstance(scores, list) and isinstance(speed, dict)
    questions = read_questions()
    in_scope = sum(1 for topic, _ in questions if topic is not None)
    lines = [
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        "with the shipped content and a SQLite file. Machine speed during the run: a "
        f"reference loop of 5 million additions took {reference:.2f} s (a slower reference "
        "means every figure below is slower too).",
        "",
        "| measure | figure | target |",
        "|---|---|---|",
        f"| `Engine.handle()` per message, p50 | {handle['p50_ms']:.2f} ms | |",
        f"| `Engine.handle()` per message, p99 | {handle['p99_ms']:.2f} ms | ≤ 5 ms |",
        f"| `helpdesk ask --json`, {int(ask['questions'])} questions on stdin, wall time "
        f"with start-up (median of {int(ask['runs'])} runs; min {ask['min_s']:.2f} s, "
        f"max {ask['max_s']:.2f} s) | {ask['wall_s']:.2f} s | ≤ 3 s |",
        f"| start-up: content load + index build | {speed['startup_s']:.2f} s | < 1 s |",
        f"| matching 1,000 questions after start-up | {speed['match_1000_s']:.2f} s | < 1 s |",
        "",
        f"The latency mix: {int(handle['messages'])} messages from 200 simulated people "
        f"(greeting, province button, {int(handle['typed'])} typed questions, "
        f"{int(handle['buttons'])} guide button presses).",
        "",
        f"Understanding, on the held-out set `{HELDOUT.relative_to(PROJECT_ROOT)}` "
        f"({in_scope} in-scope questions in every typing style, "
        f"{len(questions) - in_scope} out-of-scope; never used as examples), both methods "
        "over the same example questions:",
        "",
        "The baseline is scikit-learn's `TfidfVectorizer` (defaults) with cosine nearest "
        "neighbour over the same topic examples; its cut-off for null is chosen on the tuning set.",
        "",
        "| method | in-scope top-1 accuracy | out-of-scope answered with null |",
        "|---|---|---|",
    ]
    for score in scores:
        lines.append(
            f"| {score.name} | {score.in_scope_accuracy:.1%} "
            f"({score.in_scope_right}/{score.in_scope}) | {score.out_of_scope_accuracy:.1%} "
            f"({score.out_of_scope_right}/{score.out_of_scope}) |"
        )
    lines.append("| target | ≥ 92% | ≥ 85% |")
    return "\n".join(lines)


def main() -> None:
    """Run the benchmarks, print the figures and put them in the README."""
    reference = reference_seconds()
    handle = asyncio.run(latency.handle_latency())
    ask = latency.ask_wall_time()
    quality = accuracy.main()
    figures = _markdown(handle, ask, quality, min(reference, reference_seconds()))
    print(figures)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    scores = quality["scores"]
    assert isinstance(scores, list)
    RESULTS.write_text(
        json.dumps(
            {
                "reference_loop_s": reference,
                "handle": handle,
                "ask": ask,
                "speed": quality["speed"],
                "accuracy": {
                    s.name: {
                        "in_scope": s.in_scope_accuracy,
                        "out_of_scope": s.out_of_scope_accuracy,
                    }
                    for s in scores
                },
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    write_block(START, END, figures)


if __name__ == "__main__":
    main()
