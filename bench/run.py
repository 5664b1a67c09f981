"""`make bench`: run every benchmark and write the figures into README.md (and bench/results/).

Every figure comes with its peer measured in the same run (the logistic-regression baseline,
Rasa DIET when `make bench-rasa` has been run for this content, a reference loop for the
machine's speed), because this machine's speed drifts by a factor of two.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import platform
import time

from bench import accuracy, latency, province, speed
from bench.overlap import REWRITE, Nearest, summary
from bench.questions import BLIND, read_labelled
from bench.readme import write_block
from bot.content import load_content
from bot.matcher import Understander
from bot.matcher.linear import training_examples
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


def _speed_table(figures: dict[str, float], handle: dict[str, float]) -> list[str]:
    ask_ratio = figures["ask_s"] / figures["baseline_ask_s"]
    return [
        "| measure | helpdesk | baseline (same run) | ratio | target |",
        "|---|---|---|---|---|",
        f"| start-up: content load + building the understander (baseline: unpickling "
        f"its fitted model) | {figures['startup_s']:.2f} s | "
        f"{figures['baseline_startup_s']:.3f} s | | ≤ 0.5 s |",
        f"| understanding one question after start-up, p50 (all {int(figures['questions'])} "
        f"blind questions once, first-time typo repairs included) | "
        f"{figures['match_p50_ms']:.2f} ms | {figures['baseline_p50_ms']:.2f} ms | "
        f"{figures['match_p50_ms'] / figures['baseline_p50_ms']:.2f} | |",
        f"| the same, p99 | {figures['match_p99_ms']:.2f} ms | "
        f"{figures['baseline_p99_ms']:.2f} ms | "
        f"{figures['match_p99_ms'] / figures['baseline_p99_ms']:.2f} | ≤ 1 ms |",
        f"| `helpdesk ask --json`, {int(figures['ask_count'])} questions on stdin, wall "
        f"time with start-up (median of {int(figures['ask_runs'])}; min "
        f"{figures['ask_min_s']:.2f} s, max {figures['ask_max_s']:.2f} s; baseline: a "
        f"process loading the pickled model and answering the same lines) | "
        f"{figures['ask_s']:.2f} s | {figures['baseline_ask_s']:.2f} s | {ask_ratio:.2f} "
        "| ≤ 1.5 s |",
        f"| `Engine.handle()` per message with SQLite, p50 / p99 "
        f"({int(handle['messages'])} messages of 200 simulated people) | "
        f"{handle['p50_ms']:.2f} / {handle['p99_ms']:.2f} ms | | | p99 ≤ 5 ms (issue 2) |",
    ]


def main() -> None:
    """Run the benchmarks, print the figures and put them in the README."""
    reference = reference_seconds()
    content = load_content(PROJECT_ROOT / "content")
    understander = Understander(content)
    compared = accuracy.compare()
    rows = compared["rows"]
    assert isinstance(rows, list)
    nearest = Nearest([text for _, text in training_examples(content)])
    every = read_labelled()
    overlap = summary([nearest.similarity(row.question)[0] for row in every])
    hotlines = province.run(content, understander)
    figures = speed.measure()
    handle = asyncio.run(latency.handle_latency())
    reference = min(reference, reference_seconds())
    rasa = compared["rasa"]
    assert isinstance(rasa, dict)
    rasa_line = (
        f"Rasa DIET was trained in {float(rasa['train_seconds']):.0f} s "
        f"(Rasa {rasa.get('rasa_version')}, {rasa.get('epochs')} epochs, "
        f"{rasa.get('threads')} threads) by `make bench-rasa`."
        if rasa
        else "Rasa DIET is not in this run: `make bench-rasa` had not been run for this content."
    )
    lines = [
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, "
        f"{platform.python_implementation()} {platform.python_version()}. Machine speed "
        f"during the run: a reference loop of 5 million additions took {reference:.2f} s.",
        "",
        f"**Understanding**, on the blind held-out set `{BLIND.relative_to(PROJECT_ROOT)}` "
        f"({len(every)} questions). Overlap with the training examples (character-trigram "
        f"Jaccard of the folded words): {overlap['identical']} identical, "
        f"{overlap['at_least_0.85']} at {REWRITE} or more, {overlap['at_least_0.7']} at 0.7 "
        f"or more, mean {overlap['mean']}. Questions at {REWRITE} or more do not count as "
        f"unseen: the {compared['left_out']} that examples added after the set was checked "
        f"came that close to are left out of every score below ({len(rows)} scored). "
        f"{rasa_line}",
        "",
        accuracy.markdown(compared),
        "",
        f"**Hotline questions that name a province** (blind set, whole engine, a new person "
        f"with no province stored): {hotlines.right} of {hotlines.total} got that province's "
        "numbers, or for a province without numbers its name, the health line and no other "
        "province's numbers (target: all).",
        "",
        "**Speed** (same run):",
        "",
        *_speed_table(figures, handle),
    ]
    markdown = "\n".join(lines)
    print(markdown)
    scores = compared["scores"]
    assert isinstance(scores, list)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "reference_loop_s": reference,
                "speed": figures,
                "handle": handle,
                "overlap": overlap,
                "province_hotlines": {"right": hotlines.right, "total": hotlines.total},
                "accuracy": {
                    s.name: {"in_scope": s.in_scope, "out_of_scope": s.out_of_scope} for s in scores
                },
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    write_block(START, END, markdown)


if __name__ == "__main__":
    main()
