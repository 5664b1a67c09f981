"""The confidence model: the probability that the best topic is the right one.

A logistic model over four signals of a match: the best in-scope score, its margin over
the runner-up, the share of the question's words known from in-scope examples, and how far
the best topic is ahead of the out-of-scope examples. `tuning/calibrate.py` fits it on the
content itself (leave-one-out over every example) and picks the threshold on the tuning set;
the result ships as calibration.json beside this file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from bot.matcher.index import NONE, Match

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"


SIGNALS = 4


def same_question(a: str, b: str) -> bool:
    """True for topics that differ only by app or by phone (`bluezone.install`,
    `ncovi.install`, `bluezone.install_ios`): the bot tells them apart by the app or phone
    named, the conversation, or by asking, so they are not competing answers."""
    name_a, name_b = a.split(".", 1)[-1], b.split(".", 1)[-1]
    return name_a == name_b or name_a.startswith(f"{name_b}_") or name_b.startswith(f"{name_a}_")


def runner_up(match: Match, best: str) -> float:
    """The score of the best candidate that is a different question from `best`."""
    return next(
        (s for t, s in match.candidates if t not in (best, NONE) and not same_question(t, best)),
        0.0,
    )


def signals(match: Match, best: str) -> tuple[float, ...]:
    """The model's inputs for answering `best`.

    Best score, margin over the runner-up, share of known words, and lead over the
    out-of-scope examples. (Question length was tried as a fifth signal and made the tuning
    set worse: the examples it is fitted on are short.)
    """
    score = match.score(best)
    return (score, score - runner_up(match, best), match.coverage, score - match.score(NONE))


@dataclass(frozen=True)
class Calibration:
    """Weights and bias of the logistic model, and the probability below which we say so."""

    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, inputs: tuple[float, ...]) -> float:
        """The probability that the answer is right."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, inputs, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Calibration:
        """Read the shipped model."""
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = tuple(float(w) for w in data["weights"])
        if len(weights) != SIGNALS:
            raise ValueError(f"{path}: expected {SIGNALS} weights, found {len(weights)}")
        return cls(
            weights=weights,
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
        )

    def save(self, path: Path = CALIBRATION_FILE, note: str = "") -> None:
        """Write the model (used by tuning/calibrate.py)."""
        data = {
            "note": note,
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
        }
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
