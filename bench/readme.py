"""Writing benchmark figures into README.md, between a pair of markers."""

from __future__ import annotations

import re

from bot.settings import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"


def write_block(start: str, end: str, figures: str) -> None:
    """Replace what is between the `start` and `end` markers in README.md with `figures`."""
    text = README.read_text(encoding="utf-8")
    block = f"{start}\n{figures}\n{end}"
    text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    README.write_text(text, encoding="utf-8")
