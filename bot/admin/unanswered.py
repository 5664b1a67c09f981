"""The questions the bot could not match, most frequent first, for content editors.

Nothing new is stored for this: a turn writes its `not_understood` event and the typed
text (`message_log`) in one transaction with the same timestamp and person, so the two are
joined on (person, time). The text is therefore kept only as long as `message_log` is
(MESSAGE_RETENTION_DAYS, then purged; none at 0), and goes when the person deletes their
data. Long digit runs (phone or ID numbers) are masked before anything is shown or
exported. Questions that read the same after the core's normalisation (folded diacritics,
abbreviations expanded: "ko dc" = "không được") are counted as one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from bot.admin.period import Filters, where
from bot.normalize import Normalizer
from bot.storage.models import Event, MessageLog

# Seven digits or more, possibly split by spaces, dots or dashes: a phone or an ID number.
LONG_NUMBER = re.compile(r"\+?\d(?:[\s.\-]?\d){6,}")
MASK = "###"
MAX_ROWS = 5000


@dataclass(frozen=True)
class Unanswered:
    """One question (as most often typed), how many times it was asked and when last."""

    text: str
    key: str
    count: int
    last_asked: dt.datetime


def mask_numbers(text: str) -> str:
    """The text with phone and ID numbers replaced by ###."""
    return LONG_NUMBER.sub(MASK, text)


def unmatched_texts(connection: Connection, filters: Filters) -> list[tuple[str, dt.datetime]]:
    """(text, when) of the questions not understood within the filters, newest first."""
    rows = connection.execute(
        select(MessageLog.text, MessageLog.created_at)
        .join(
            Event,
            and_(Event.user_id == MessageLog.user_id, Event.created_at == MessageLog.created_at),
        )
        .where(Event.kind == "not_understood", *where(filters, Event.created_at, Event.province))
        .order_by(MessageLog.created_at.desc())
        .limit(MAX_ROWS)
    ).all()
    return [(str(text), _aware(created)) for text, created in rows]


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def group_questions(
    texts: Iterable[tuple[str, dt.datetime]], normalizer: Normalizer
) -> list[Unanswered]:
    """Questions grouped by their normalised form, most asked first; each shown as the form
    typed most often (the latest of equals)."""
    groups: dict[str, list[tuple[str, dt.datetime]]] = {}
    for text, when in texts:
        masked = mask_numbers(text)
        key = normalizer.folded_key(masked)
        if key:
            groups.setdefault(key, []).append((masked, when))
    found: list[Unanswered] = []
    for key, asked in groups.items():
        forms: dict[str, tuple[int, dt.datetime]] = {}
        for text, when in asked:
            count, latest = forms.get(text, (0, when))
            forms[text] = (count + 1, max(latest, when))
        shown = max(forms, key=lambda text: forms[text])
        found.append(Unanswered(shown, key, len(asked), max(when for _, when in asked)))
    return sorted(found, key=lambda item: (-item.count, -item.last_asked.timestamp(), item.key))
