"""Rasa 3.6 DIET as a peer on the blind set: `make bench-rasa` (about 15 minutes).

Writes the content's examples (the same ones the bot and the baseline learn from) and the
blind questions to files, trains and runs bench/rasa/diet.py in Rasa's own environment
(.venv-rasa, made by bench/rasa/setup.sh), and leaves the answers where bench/accuracy.py
reads them: bench/results/rasa-blind.jsonl, with the content hash it was trained on.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.accuracy import RASA_ANSWERS, write_training_file
from bench.questions import read_labelled
from bot.content import load_content
from bot.matcher.linear import content_hash
from bot.settings import PROJECT_ROOT

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
DIET = PROJECT_ROOT / "bench" / "rasa" / "diet.py"


def main() -> int:
    """Train DIET on the examples, answer the blind set, record the answers."""
    if not RASA_PYTHON.exists():
        print("no Rasa environment: run `bash bench/rasa/setup.sh` first", file=sys.stderr)
        return 1
    content = load_content(PROJECT_ROOT / "content")
    rows = read_labelled()
    RASA_ANSWERS.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        train, test = Path(folder) / "train.tsv", Path(folder) / "test.txt"
        write_training_file(content, train)
        test.write_text("\n".join(" ".join(r.question.split()) for r in rows) + "\n", "utf-8")
        subprocess.run(
            [
                str(RASA_PYTHON),
                str(DIET),
                "--train",
                str(train),
                "--test",
                str(test),
                "--out",
                str(RASA_ANSWERS),
                "--epochs",
                "30",
            ],
            check=True,
        )
    meta_path = Path(str(RASA_ANSWERS) + ".meta.json")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["content"] = content_hash(content)
    # The questions as the bot reads them, so that accuracy.py can check they are the same.
    answers = [json.loads(line) for line in RASA_ANSWERS.read_text("utf-8").splitlines()]
    for answer, row in zip(answers, rows, strict=True):
        answer["text"] = row.question
    RASA_ANSWERS.write_text(
        "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers), "utf-8"
    )
    RASA_ANSWERS.with_suffix(".meta.json").write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
    meta_path.unlink()
    print(f"Rasa DIET: trained in {meta['train_seconds']:.0f} s; answers in {RASA_ANSWERS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
