"""When the classifier's reading is sure enough to answer, and whether it is still current.

The learned classifier (bot/matcher/linear.py) gives a probability for every topic and for
"out of scope". The bot answers its best reading when that reading's probability (with the
topics that differ from it only by app or phone, which the bot tells apart by asking) is at
least `threshold` and the out-of-scope class stays under `none_cut`. `tuning/train.py`
chooses both on the tuning set tuning/dev.tsv and records a hash of the content they were
fitted on; a test fails when the content changed since.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"


def same_question(a: str, b: str) -> bool:
    """True for topics that differ only by app or by phone (`bluezone.install`,
    `ncovi.install`, `bluezone.install_ios`): the bot tells them apart by the app or phone
    named, the conversation, or by asking, so they are not competing answers."""
    name_a, name_b = a.split(".", 1)[-1], b.split(".", 1)[-1]
    return name_a == name_b or name_a.startswith(f"{name_b}_") or name_b.startswith(f"{name_a}_")


@dataclass(frozen=True)
class Calibration:
    """The cut-offs for answering, and the content hash they were chosen for."""

    threshold: float
    none_cut: float
    fitted_on: str = ""

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Calibration:
        """Read the shipped cut-offs."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            threshold=float(data["threshold"]),
            none_cut=float(data["none_cut"]),
            fitted_on=str(data.get("fitted_on", "")),
        )

    def save(self, path: Path = CALIBRATION_FILE, note: str = "") -> None:
        """Write the cut-offs (tuning/train.py)."""
        data = {
            "note": note,
            "threshold": self.threshold,
            "none_cut": self.none_cut,
            "fitted_on": self.fitted_on,
        }
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
