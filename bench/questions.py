"""Reading the evaluation files: `topic<TAB>question`, or the blind set's four columns."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BLIND = HERE / "eval" / "blind.tsv"
OUT_OF_SCOPE = ("null", "none", "out_of_scope", "")


@dataclass(frozen=True, slots=True)
class Labelled:
    """One evaluation question: the topic it asks (None: to be refused), its typing style,
    the province it names (None: none) and the text."""

    topic: str | None
    style: str
    province: str | None
    question: str


def _rows(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("topic\t"):
            continue
        rows.append([cell.strip() for cell in line.split("\t")])
    return rows


def read_labelled(path: Path = BLIND) -> list[Labelled]:
    """Every question of a file, with style and province when the file has them."""
    labelled = []
    for cells in _rows(path):
        topic = None if cells[0] in OUT_OF_SCOPE else cells[0]
        if len(cells) >= 4:
            province = None if cells[2] in ("-", "") else cells[2]
            labelled.append(Labelled(topic, cells[1], province, cells[3]))
        else:
            labelled.append(Labelled(topic, "", None, cells[-1]))
    return labelled


def read_questions(path: Path = BLIND) -> list[tuple[str | None, str]]:
    """(topic or None for out of scope, question) pairs, in file order."""
    return [(row.topic, row.question) for row in read_labelled(path)]
