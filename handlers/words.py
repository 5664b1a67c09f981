"""Recognising short typed replies ("xong", "ko dc", "menu") against the lexicon's word lists."""

from __future__ import annotations

from bot.context import Context
from bot.normalize import plain


def said(ctx: Context, list_name: str) -> bool:
    """True when the whole message is one of the lexicon's words for `list_name`."""
    typed = plain(ctx.text)
    if not typed:
        return False
    return any(typed == plain(word) for word in ctx.content.words(list_name))


def mentions(text: str, keywords: tuple[str, ...]) -> bool:
    """True when `text` contains one of `keywords` as whole words (diacritics ignored)."""
    padded = f" {plain(text)} "
    return any(f" {plain(k)} " in padded for k in keywords if plain(k))
