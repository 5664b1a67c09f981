"""Adding an example question to a topic's YAML file, keeping the file as it was.

The new example is inserted as one line after the last example of its language (a JSON
string, which is valid YAML and needs no thought about quotes or colons); the file is then
read back, and written only if the examples are exactly the old ones plus the new one and
nothing else changed. Comments, block texts and key order stay as the editor wrote them.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot.i18n import N_
from bot.normalize import Normalizer

TOPIC_ID = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")
MAX_EXAMPLE = 300
# The loader the content is read with (bot/content/loader.py): libyaml's, which also reads
# plain scalars such as `{vi: Bluezone là gì?, en: ...}` that PyYAML's own parser refuses.
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ExampleRefused(ValueError):
    """The example cannot be added: `reason` (a msgid) with its `values` says why."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason.format(**values))
        self.reason = reason
        self.values = values

    def explain(self, gettext: Callable[[str], str]) -> str:
        """The reason in the editor's language."""
        return gettext(self.reason).format(**self.values)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(lines: list[str], start: int) -> int:
    """The index after the last line of the block opened by `lines[start]` (a `key:` line):
    the lines after it that are blank, comments, or indented deeper."""
    own = _indent(lines[start])
    end = start + 1
    last = start + 1
    while end < len(lines):
        line = lines[end]
        if line.strip() and not line.lstrip().startswith("#") and _indent(line) <= own:
            break
        if line.strip():
            last = end + 1
        end += 1
    return last


def insert_example(text: str, locale: str, example: str) -> str:
    """The YAML text with `example` appended to `examples: {locale: [...]}` (block lists)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    item = json.dumps(example, ensure_ascii=False)
    top = next((i for i, line in enumerate(lines) if re.fullmatch(r"examples:\s*\n", line)), None)
    if top is None:
        return "".join(lines) + f"examples:\n  {locale}:\n    - {item}\n"
    end = _block_end(lines, top)
    key = re.compile(rf"(\s+){re.escape(locale)}:\s*\n")
    found = next((i for i in range(top + 1, end) if key.fullmatch(lines[i])), None)
    if found is None:
        child = next((_indent(lines[i]) for i in range(top + 1, end) if lines[i].strip()), 2)
        addition = f"{' ' * child}{locale}:\n{' ' * (child + 2)}- {item}\n"
        return "".join([*lines[:end], addition, *lines[end:]])
    last = _block_end(lines, found)
    items = [lines[i] for i in range(found + 1, last) if lines[i].lstrip().startswith("- ")]
    indent = _indent(items[-1]) if items else _indent(lines[found]) + 2
    return "".join([*lines[:last], f"{' ' * indent}- {item}\n", *lines[last:]])


def _examples(data: Any, locale: str) -> list[str]:
    examples = data.get("examples") if isinstance(data, dict) else None
    found = examples.get(locale) if isinstance(examples, dict) else None
    return [str(e) for e in found] if isinstance(found, list) else []


def add_example(
    content_dir: Path, topic_id: str, locale: str, example: str, normalizer: Normalizer
) -> Path:
    """Append `example` to the topic's examples in `locale`; the file written.

    Raises ExampleRefused when the topic file is missing, the example is empty, too long or
    already there (after normalisation), or the file cannot be edited safely.
    """
    example = " ".join(example.split())
    if not example or len(example) > MAX_EXAMPLE:
        raise ExampleRefused(N_("An example is 1 to {most} characters long."), most=MAX_EXAMPLE)
    if not TOPIC_ID.fullmatch(topic_id):
        raise ExampleRefused(N_("{topic} is not a topic id."), topic=topic_id)
    path = Path(content_dir) / "topics" / f"{topic_id}.yaml"
    if not path.is_file():
        raise ExampleRefused(N_("There is no file topics/{topic}.yaml."), topic=topic_id)
    original = path.read_text(encoding="utf-8")
    before = yaml.load(original, Loader=LOADER)
    existing = _examples(before, locale)
    key = normalizer.folded_key(example)
    if any(normalizer.folded_key(old) == key for old in existing):
        raise ExampleRefused(
            N_("The topic already has this example (the same after normalisation).")
        )
    changed = insert_example(original, locale, example)
    after = yaml.load(changed, Loader=LOADER)
    expected = dict(before) if isinstance(before, dict) else {}
    expected["examples"] = {**(expected.get("examples") or {}), locale: [*existing, example]}
    if after != expected:
        raise ExampleRefused(
            N_("topics/{topic}.yaml is laid out in a way that cannot be edited safely."),
            topic=topic_id,
        )
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as written:
        written.write(changed)
    os.chmod(temporary, path.stat().st_mode & 0o777)
    os.replace(temporary, path)
    return path
