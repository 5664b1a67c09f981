"""Bench-only Rasa 3.6 DIET intent classifier: train on a TSV, classify a text file.

Runs with the Rasa venv's Python, never the project's (Rasa is not a project
dependency; see bench/rasa/README.md and bench/rasa/setup.sh):

    .venv-rasa/bin/python bench/rasa/diet.py --train TRAIN.tsv --test TEST.txt \
        --out OUT.jsonl [--epochs 30] [--threshold 0.3]

TRAIN.tsv: one ``label<TAB>text`` row per line (split on the first tab; blank lines and
lines starting with ``#`` are skipped). ``out_of_scope`` is an ordinary intent.
TEST.txt: one text per line (blank lines are skipped).
OUT.jsonl: one ``{"text", "intent", "confidence"}`` object per test line, in order. The
intent is whatever Rasa answers: ``nlu_fallback`` (FallbackClassifier) and
``out_of_scope`` both mean "refused" to the caller.
OUT.jsonl.meta.json: ``{"train_seconds", "rasa_version", ...}``.

Standalone: imports nothing from the project.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

# Rasa's entity syntax in training examples: [text](type), [text]{...}, [text][...].
# A plain example containing one of these would silently lose text to an "entity".
_ENTITY_SYNTAX = re.compile(r"\](?=[(\[{])")


def _quiet_environment(threads: int, verbose: bool) -> None:
    """Set before TensorFlow or Rasa is imported."""
    level = "WARNING" if verbose else "ERROR"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ logs: errors only
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    os.environ.setdefault("LOG_LEVEL", level)  # Rasa's own logger
    os.environ.setdefault("LOG_LEVEL_LIBRARIES", level)
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    # Rasa's own names for TensorFlow's thread pools (read by its CLI only; set for
    # child processes, and applied below for this one).
    os.environ["TF_INTRA_OP_PARALLELISM_THREADS"] = str(threads)
    os.environ["TF_INTER_OP_PARALLELISM_THREADS"] = str(threads)
    if not verbose:
        # Rasa's dependencies print many Deprecation/User warnings, and some of them
        # reset the warning filters on import, so drop warnings at the display step.
        warnings.filterwarnings("ignore")
        warnings.showwarning = lambda *args, **kwargs: None


def _configure_libraries(threads: int, verbose: bool) -> None:
    import structlog
    import tensorflow as tf

    # Both TensorFlow pools capped at `threads`. Measured here (2 cores, 3,010 examples,
    # 5 epochs): intra=2/inter=2 trained in 103-108 s, intra=2/inter=1 in 139-152 s,
    # intra=1/inter=2 in 140 s: the second inter-op thread runs Rasa's Python batch
    # generator (tf.data from_generator) alongside the model's ops.
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    level = logging.WARNING if verbose else logging.ERROR
    tf.get_logger().setLevel(logging.ERROR)
    tf.autograph.set_verbosity(0)
    for name in ("tensorflow", "absl", "rasa", "h5py", "matplotlib", "sanic", "urllib3"):
        logging.getLogger(name).setLevel(level)
    # Rasa 3.6 also logs through structlog, whose unconfigured default prints every
    # level (debug included) to stdout.
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )


def read_train(path: Path) -> list[tuple[str, str]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if "\t" not in line:
                sys.exit(f"{path}:{lineno}: expected 'label<TAB>text', got {line!r}")
            label, text = line.split("\t", 1)
            label, text = label.strip(), " ".join(text.split())
            if not label or not text:
                sys.exit(f"{path}:{lineno}: empty label or text")
            if "/" in label:
                # Rasa would read "a/b" as a retrieval intent and train on "a" only.
                sys.exit(f"{path}:{lineno}: label {label!r} contains '/', which Rasa reserves")
            if label == "nlu_fallback":
                sys.exit(f"{path}:{lineno}: 'nlu_fallback' is reserved for the fallback")
            rows.append((label, text))
    if len({label for label, _ in rows}) < 2:
        sys.exit(f"{path}: DIET needs at least two distinct labels")
    return rows


def read_test(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [" ".join(line.split()) for line in fh if line.strip()]


def _yaml_str(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: every quote, backslash,
    # '#', ':' or leading '-' is safe, and non-ASCII stays readable.
    return json.dumps(text, ensure_ascii=False)


def nlu_yaml(rows: list[tuple[str, str]]) -> tuple[str, int]:
    """Rasa NLU training data, one ``- text: "..."`` item per example.

    Returns the YAML and how many examples had Rasa's entity syntax defused.
    """
    by_label: dict[str, list[str]] = {}
    for label, text in rows:
        by_label.setdefault(label, []).append(text)
    defused = 0
    out = ['version: "3.1"', "nlu:"]
    for label, texts in by_label.items():
        out.append(f"- intent: {_yaml_str(label)}")
        out.append("  examples:")
        for text in texts:
            safe = _ENTITY_SYNTAX.sub("] ", text)
            defused += safe != text
            out.append(f"  - text: {_yaml_str(safe)}")
    return "\n".join(out) + "\n", defused


def config_yaml(epochs: int, threshold: float) -> str:
    return f"""\
recipe: default.v1
assistant_id: bench-diet
language: vi
pipeline:
- name: WhitespaceTokenizer
- name: CountVectorsFeaturizer
  analyzer: word
- name: CountVectorsFeaturizer
  analyzer: char_wb
  min_ngram: 1
  max_ngram: 4
- name: DIETClassifier
  epochs: {int(epochs)}
  constrain_similarities: true
- name: FallbackClassifier
  threshold: {float(threshold)}
  ambiguity_threshold: 0.1
policies: []
"""


def _disable_slash_shortcut() -> None:
    """Rasa answers a message like ``/intent`` with that intent at confidence 1.0,
    without the model. A benchmark must send every line through the model."""
    from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler

    def process(self, messages, domain=None):
        return messages

    RegexMessageHandler.process = process


def run(args: argparse.Namespace, work: Path) -> None:
    _configure_libraries(args.threads, args.verbose)
    import asyncio

    import rasa
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    rows = read_train(args.train)
    tests = read_test(args.test)
    nlu, defused = nlu_yaml(rows)
    (work / "nlu.yml").write_text(nlu, encoding="utf-8")
    (work / "config.yml").write_text(config_yaml(args.epochs, args.threshold), encoding="utf-8")
    n_labels = len({label for label, _ in rows})
    print(
        f"[diet] {len(rows)} examples in {n_labels} intents, {len(tests)} test lines, "
        f"epochs={args.epochs}, threshold={args.threshold}, threads={args.threads}, "
        f"work dir {work}",
        file=sys.stderr,
    )
    if defused:
        print(f"[diet] {defused} examples had Rasa entity syntax defused", file=sys.stderr)

    started = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # Rasa prints its progress to stdout
        model = train_nlu(
            config=str(work / "config.yml"),
            nlu_data=str(work / "nlu.yml"),
            output=str(work / "models"),
            fixed_model_name="diet",
        )
    train_seconds = time.perf_counter() - started
    if not model:
        sys.exit("[diet] Rasa did not produce a model")
    print(f"[diet] trained in {train_seconds:.1f} s: {model}", file=sys.stderr)

    _disable_slash_shortcut()
    agent = Agent.load(model)
    loop = asyncio.new_event_loop()
    started = time.perf_counter()
    with args.out.open("w", encoding="utf-8") as fh:
        for text in tests:
            parsed = loop.run_until_complete(agent.parse_message(text))
            intent = parsed.get("intent") or {}
            row = {
                "text": text,
                "intent": intent.get("name"),
                "confidence": float(intent.get("confidence") or 0.0),
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    predict_seconds = time.perf_counter() - started
    loop.close()

    import tensorflow as tf

    meta = {
        "train_seconds": round(train_seconds, 3),
        "rasa_version": rasa.__version__,
        "tensorflow_version": tf.__version__,
        "predict_seconds": round(predict_seconds, 3),
        "n_train": len(rows),
        "n_intents": n_labels,
        "n_test": len(tests),
        "epochs": args.epochs,
        "threshold": args.threshold,
        "threads": args.threads,
    }
    meta_path = Path(str(args.out) + ".meta.json")
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(
        f"[diet] wrote {len(tests)} rows to {args.out} ({predict_seconds:.1f} s) and {meta_path}",
        file=sys.stderr,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, required=True, help="label<TAB>text rows")
    parser.add_argument("--test", type=Path, required=True, help="one text per line")
    parser.add_argument("--out", type=Path, required=True, help="JSONL predictions")
    parser.add_argument("--epochs", type=int, default=30, help="DIET epochs (default 30)")
    parser.add_argument(
        "--threshold", type=float, default=0.3, help="FallbackClassifier threshold (0.3)"
    )
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    parser.add_argument(
        "--keep", type=Path, help="work in this directory and keep it (default: a temp dir)"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="show Rasa's warnings (hidden by default)"
    )
    args = parser.parse_args()
    if args.epochs < 1 or args.threads < 1:
        parser.error("--epochs and --threads must be at least 1")
    _quiet_environment(args.threads, args.verbose)

    # Rasa's training cache goes to ./.rasa/cache by default; keep it in the work dir.
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        os.environ["RASA_CACHE_DIRECTORY"] = str(args.keep / "cache")
        run(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="rasa-diet-") as tmp:
            os.environ["RASA_CACHE_DIRECTORY"] = str(Path(tmp) / "cache")
            run(args, Path(tmp))


if __name__ == "__main__":
    main()
