"""The "new broadcast" form of the console: what was typed, read into a BroadcastRequest,
its schedule, and its preview (the text as a person will see it, and who gets it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from bot.broadcasts import reach, store
from bot.broadcasts.compose import BroadcastRequest
from bot.broadcasts.schedule import DEFAULT_ZONE
from bot.broadcasts.segments import Segment
from bot.broadcasts.templates import Recipient, render
from bot.content import Content
from bot.i18n import N_

BUTTON_FIELDS = ("button_1", "button_2", "button_3")
FIELDS = (
    "text_vi",
    "text_en",
    "channel",
    "province",
    "locale",
    "role",
    "not_completed_guide",
    "unseen_days",
    "at",
    "every",
    "until",
    "link",
    *BUTTON_FIELDS,
)


@dataclass(frozen=True)
class BroadcastForm:
    """The form's values as typed (text), and what could not be read as a time or number."""

    values: Mapping[str, str]
    problems: list[str] = field(default_factory=list)

    def get(self, name: str) -> str:
        """A field's value, stripped ("" when empty)."""
        return self.values.get(name, "").strip()


def read_form(posted: Mapping[str, str]) -> BroadcastForm:
    """Keep the form's known fields (at most 5,000 characters each)."""
    return BroadcastForm({name: posted.get(name, "")[:5000] for name in FIELDS})


def _local_time(text: str) -> dt.datetime | None:
    """A `datetime-local` value, read in Vietnam time, as UTC."""
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=DEFAULT_ZONE)
    return moment.astimezone(dt.UTC)


def schedule(
    form: BroadcastForm, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime | None, list[str]]:
    """(first run, until, problems as msgids): `at` (default now) and `until` (the end of
    that day)."""
    found: list[str] = []
    first, until = now, None
    try:
        first = _local_time(form.get("at")) or now if form.get("at") else now
    except ValueError:
        found.append(N_("The start time must look like 2026-12-01T08:00."))
    if form.get("until"):
        try:
            day = dt.date.fromisoformat(form.get("until")[:10])
            end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), DEFAULT_ZONE)
            until = end.astimezone(dt.UTC)
        except ValueError:
            found.append(N_("The end date must look like 2026-12-31."))
    if until is not None and until <= first:
        found.append(N_("The end date is before the start."))
    return first, until, found


def request_of(form: BroadcastForm) -> tuple[BroadcastRequest, list[str]]:
    """The broadcast the form asks for, and what could not be read (msgids)."""
    found: list[str] = []
    unseen: int | None = None
    if form.get("unseen_days"):
        if form.get("unseen_days").isdigit():
            unseen = int(form.get("unseen_days"))
        else:
            found.append(N_("“Not seen for” must be a whole number of days."))
    segment = Segment(
        channel=form.get("channel") or None,
        province=form.get("province") or None,
        locale=form.get("locale") or None,
        role=form.get("role") or None,
        not_completed_guide=form.get("not_completed_guide") or None,
        unseen_days=unseen,
    )
    texts = {"vi": form.get("text_vi")}
    if form.get("text_en"):
        texts["en"] = form.get("text_en")
    buttons = [form.get(name) for name in BUTTON_FIELDS if form.get(name)]
    if form.get("link"):
        buttons.append(form.get("link"))
    return BroadcastRequest(texts, segment, form.get("every") or None, tuple(buttons)), found


@dataclass(frozen=True)
class Preview:
    """The texts as a person of the chosen province will read them, the button labels, how
    many people it reaches now, and the reach of channels with a reply window."""

    texts: dict[str, str]
    buttons: list[str]
    audience: int
    windows: list[str]


def preview(
    connection: Connection,
    content: Content,
    request: BroadcastRequest,
    buttons: list[dict[str, Any]],
    now: dt.datetime,
    gettext: Any,
    locale: str,
) -> Preview:
    """What the broadcast will look like and whom it reaches (nothing is stored)."""
    place = content.province(request.segment.province)
    texts = {
        code: render(text, Recipient(place.name.get(code) if place else "", code))
        for code, text in request.texts.items()
    }
    labels = [button["label"].get(locale) or button["label"].get("vi", "") for button in buttons]
    return Preview(
        texts=texts,
        buttons=labels,
        audience=store.audience_size(connection, request.segment, now),
        windows=reach.describe(connection, request.segment, now, reach.windows(), gettext),
    )
