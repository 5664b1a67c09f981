"""How close the held-out questions are to the training examples (to report, and to rewrite).

    .venv/bin/python -m bench.overlap [--show]

For every held-out question: the highest character-trigram Jaccard similarity with any
example of content/ (topics and out-of-scope), both folded (lower case, no diacritics,
single spaces). A question at or above REWRITE (0.85) is too close to count as unseen and
must be rewritten by the person who wrote the set; --show prints those.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

from bench.questions import BLIND, Labelled, read_labelled
from bot.content import Content, load_content
from bot.matcher.linear import training_examples
from bot.normalize import fold
from bot.settings import PROJECT_ROOT

REWRITE = 0.85
_WORDS = re.compile(r"[^\W_]+")


def trigrams(text: str) -> frozenset[str]:
    """The character trigrams of a text's folded words (case, marks and punctuation ignored)."""
    folded = f" {' '.join(_WORDS.findall(fold(text)))} "
    return frozenset(folded[i : i + 3] for i in range(len(folded) - 2))


class Nearest:
    """The training example nearest to a text by trigram Jaccard, through an inverted index."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.grams = [trigrams(t) for t in texts]
        self.index: dict[str, list[int]] = defaultdict(list)
        for number, grams in enumerate(self.grams):
            for gram in grams:
                self.index[gram].append(number)

    def similarity(self, text: str) -> tuple[float, str]:
        """The best Jaccard similarity and the example that has it."""
        grams = trigrams(text)
        shared: dict[int, int] = defaultdict(int)
        for gram in grams:
            for number in self.index.get(gram, ()):
                shared[number] += 1
        best, best_text = 0.0, ""
        for number, count in shared.items():
            score = count / (len(grams) + len(self.grams[number]) - count)
            if score > best:
                best, best_text = score, self.texts[number]
        return best, best_text


def unseen(content: Content, rows: list[Labelled]) -> tuple[list[Labelled], int]:
    """The questions that count as unseen (under REWRITE to every example), and how many
    were left out: examples added after the set was checked can come too close to it."""
    nearest = Nearest([text for _, text in training_examples(content)])
    kept = [row for row in rows if nearest.similarity(row.question)[0] < REWRITE]
    return kept, len(rows) - len(kept)


def summary(scores: list[float]) -> dict[str, float]:
    """Share of questions at or above a few similarity levels, and exact copies."""
    total = len(scores)
    return {
        "questions": total,
        "identical": sum(s >= 0.999 for s in scores),
        "at_least_0.85": sum(s >= REWRITE for s in scores),
        "at_least_0.7": sum(s >= 0.7 for s in scores),
        "at_least_0.5": sum(s >= 0.5 for s in scores),
        "mean": round(sum(scores) / total, 3) if total else 0.0,
    }


def main() -> int:
    """Print the overlap of the blind set with the examples; exit 1 when a rewrite is due."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", action="store_true", help="print the questions to rewrite")
    parser.add_argument("--file", type=Path, default=BLIND)
    args = parser.parse_args()
    content = load_content(PROJECT_ROOT / "content")
    questions = [row.question for row in read_labelled(args.file)]
    nearest = Nearest([text for _, text in training_examples(content)])
    results = [(*nearest.similarity(q), q) for q in questions]
    print(summary([score for score, _, _ in results]))
    too_close = [r for r in results if r[0] >= REWRITE]
    if args.show:
        for score, example, question in sorted(too_close, reverse=True):
            print(f"{score:.2f}\t{question}\t<->\t{example}")
    return 1 if too_close else 0


if __name__ == "__main__":
    sys.exit(main())
