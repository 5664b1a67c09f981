"""Clean what people type before anything else reads it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_TEXT = 2000
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class CleanText:
    """Typed text made safe to read, and what was wrong with it, if anything.

    `problem` is "empty" (nothing typed), "no_words" (only emoji or symbols), "attachment"
    (a photo, sticker or voice message instead of text) or None;
    `truncated` says the text was longer than MAX_TEXT and only its start is kept.
    """

    text: str
    problem: str | None = None
    truncated: bool = False


def clean_text(raw: str | None) -> CleanText:
    """Normalise to NFC, drop control and invisible characters, fold spaces, cap the length."""
    if raw is None:
        return CleanText("", "empty")
    text = unicodedata.normalize("NFC", raw)
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in text
        if unicodedata.category(ch) not in ("Cf", "Co", "Cs", "Cn")
    )
    text = _SPACES.sub(" ", text).strip()
    truncated = len(text) > MAX_TEXT
    if truncated:
        text = text[:MAX_TEXT].rstrip()
    if not text:
        return CleanText("", "empty")
    if not any(ch.isalnum() for ch in text):
        return CleanText(text, "no_words")
    return CleanText(text, None, truncated)
