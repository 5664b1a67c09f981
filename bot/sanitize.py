"""Clean what people type before anything else reads it, and bound how much of it is read.

A message is read up to MAX_WORDS words (and MAX_TEXT characters): twice the longest
realistic question in the content, tuning and evaluation sets (60 words, 272 characters), so
no real question is cut, while a pasted page or a flood of made-up words costs no more to
understand than a long question. What is cut is said to the person ("I read its beginning").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_TEXT = 2000
MAX_WORDS = 100
# Characters looked at at all: cleaning itself stays cheap however long the message is.
MAX_RAW = 2 * MAX_TEXT
_SPACES = re.compile(r"\s+")
# A word as the normaliser reads it (bot/normalize.py): letters and digits.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class CleanText:
    """Typed text made safe to read, and what was wrong with it, if anything.

    `problem` is "empty" (nothing typed), "no_words" (only emoji or symbols), "attachment"
    (a photo, sticker or voice message instead of text) or None;
    `truncated` says the text was longer than MAX_WORDS words or MAX_TEXT characters and
    only its start is kept.
    """

    text: str
    problem: str | None = None
    truncated: bool = False


def clean_text(raw: str | None) -> CleanText:
    """Normalise to NFC, drop control and invisible characters, fold spaces, cap the length."""
    if raw is None:
        return CleanText("", "empty")
    truncated = len(raw) > MAX_RAW
    text = unicodedata.normalize("NFC", raw[:MAX_RAW])
    if not _SPACES.sub(" ", text).isprintable():  # printable: none of the categories below
        text = "".join(
            " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
            for ch in text
            if unicodedata.category(ch) not in ("Cf", "Co", "Cs", "Cn")
        )
    text = _SPACES.sub(" ", text).strip()
    if len(text) > MAX_TEXT:
        truncated, text = True, text[:MAX_TEXT].rstrip()
    cut = _end_of_word(text, MAX_WORDS)
    if cut is not None:
        truncated, text = True, text[:cut].rstrip()
    if not text:
        return CleanText("", "empty")
    if not any(ch.isalnum() for ch in text):
        return CleanText(text, "no_words")
    return CleanText(text, None, truncated)


def _end_of_word(text: str, words: int) -> int | None:
    """Where the `words`-th word of `text` ends, or None when it has no more words than that."""
    found = _WORD.finditer(text)
    end = None
    for count, match in enumerate(found, start=1):
        if count > words:
            return end
        end = match.end()
    return None
