"""Reading the evaluation files (topic<TAB>question, # comments)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
HELDOUT = HERE / "eval" / "heldout.tsv"
OUT_OF_SCOPE = ("null", "none", "out_of_scope", "")


def read_questions(path: Path = HELDOUT) -> list[tuple[str | None, str]]:
    """(topic or None for out of scope, question) pairs, in file order."""
    pairs: list[tuple[str | None, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("topic\t"):
            continue
        topic, _, question = line.partition("\t")
        topic = topic.strip()
        pairs.append((None if topic in OUT_OF_SCOPE else topic, question.strip()))
    return pairs
