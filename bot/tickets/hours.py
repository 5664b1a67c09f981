"""Office hours of the support staff, in Vietnam's time (Asia/Ho_Chi_Minh).

Written as `SUPPORT_HOURS=Mon-Fri 07:30-11:30,13:30-17:00; Sat 08:00-11:00`: rules separated
by ";", each a list of days (a day or a range, comma-separated: `Mon-Fri`, `Mon,Wed`) and a
list of times (`HH:MM-HH:MM`, the end after the start; `24:00` ends at midnight). `always`
means staff are always there. Anything else is refused with a message naming the setting.
Public holidays are not known: on a holiday, set the hours or answer late.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import format_time, get_day_names

from bot.settings import SettingsError

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SETTING = "SUPPORT_HOURS"
EXAMPLE = "Mon-Fri 07:30-17:00"
TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
BABEL_LOCALES = {"vi": "vi_VN", "en": "en"}
MINUTES_A_DAY = 24 * 60


@dataclass(frozen=True)
class Window:
    """One day's stretch of office time, in minutes after midnight (end excluded)."""

    day: int  # Monday is 0
    start: int
    end: int


def _refuse(detail: str) -> SettingsError:
    return SettingsError(f"{SETTING}: {detail} (write it like {EXAMPLE!r}; see the README)")


def _minutes(text: str) -> int:
    match = TIME.match(text)
    if match is None:
        raise _refuse(f"{text!r} is not a time HH:MM")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours == 24 and minutes:
        raise _refuse(f"{text!r} is after midnight")
    return hours * 60 + minutes


def _days(text: str) -> list[int]:
    found: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().lower().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise _refuse(f"{part.strip()!r} is not a day or a range of days (Mon ... Sun)")
        start, end = DAYS.index(first), DAYS.index(last or first)
        if end < start:
            raise _refuse(f"{part.strip()!r} runs backwards")
        found += range(start, end + 1)
    return found


@dataclass(frozen=True)
class OfficeHours:
    """When staff answer; `always` when there is always someone."""

    windows: tuple[Window, ...] = ()
    always: bool = False

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """Read the setting; raises SettingsError naming it when it is not well formed."""
        text = text.strip()
        if text.lower() == "always":
            return cls(always=True)
        windows: list[Window] = []
        for rule in filter(None, (part.strip() for part in text.split(";"))):
            pieces = rule.split()
            if len(pieces) != 2:
                raise _refuse(f"{rule!r} is not DAYS HH:MM-HH:MM")
            days, times = pieces
            for stretch in times.split(","):
                start_text, dash, end_text = stretch.partition("-")
                if not dash:
                    raise _refuse(f"{stretch!r} is not a range of times HH:MM-HH:MM")
                start, end = _minutes(start_text), _minutes(end_text)
                if end <= start or start >= MINUTES_A_DAY:
                    raise _refuse(f"{stretch!r} does not end after it starts")
                windows += [Window(day, start, end) for day in _days(days)]
        if not windows:
            raise _refuse("no office hours given")
        return cls(tuple(sorted(windows, key=lambda w: (w.day, w.start))))

    def is_open(self, at: dt.datetime) -> bool:
        """True when staff are at work at `at` (any time zone)."""
        if self.always:
            return True
        local = at.astimezone(ZONE)
        minute = local.hour * 60 + local.minute
        day = local.weekday()
        return any(w.day == day and w.start <= minute < w.end for w in self.windows)

    def next_open(self, at: dt.datetime) -> dt.datetime | None:
        """When staff are next at work after `at` (in Vietnam's time); None when always."""
        if self.always or not self.windows:
            return None
        local = at.astimezone(ZONE)
        for ahead in range(8):
            day = (local + dt.timedelta(days=ahead)).date()
            for window in self.windows:
                if window.day != day.weekday():
                    continue
                start = dt.datetime.combine(day, dt.time(), ZONE) + dt.timedelta(
                    minutes=window.start
                )
                if start > local:
                    return start
        return None

    def describe(self, locale: str) -> str:
        """The hours in words for people ("Th 2-Th 6 07:30-17:00" in Vietnamese)."""
        if self.always:
            return "24/7"
        names = get_day_names("abbreviated", locale=BABEL_LOCALES.get(locale, locale))
        by_times: dict[tuple[tuple[int, int], ...], list[int]] = {}
        for day in range(7):
            times = tuple((w.start, w.end) for w in self.windows if w.day == day)
            if times:
                by_times.setdefault(times, []).append(day)
        parts = []
        for times, days in by_times.items():
            spans = ", ".join(f"{_clock(start)}-{_clock(end)}" for start, end in times)
            parts.append(f"{_day_ranges(days, names)} {spans}")
        return "; ".join(parts)

    def when(self, at: dt.datetime, locale: str) -> str | None:
        """When staff are next at work, for people ("Thứ Hai 07:30"); None when always."""
        opening = self.next_open(at)
        if opening is None:
            return None
        babel = BABEL_LOCALES.get(locale, locale)
        day = get_day_names("wide", locale=babel)[opening.weekday()]
        return f"{day} {format_time(opening, 'HH:mm', tzinfo=ZONE, locale=babel)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_ranges(days: list[int], names: Mapping[int, str]) -> str:
    """Consecutive days as ranges: [0, 1, 2, 4] -> "Mon-Wed, Fri"."""
    ranges: list[list[int]] = []
    for day in days:
        if ranges and ranges[-1][-1] == day - 1:
            ranges[-1].append(day)
        else:
            ranges.append([day])
    return ", ".join(
        names[run[0]] if len(run) == 1 else f"{names[run[0]]}-{names[run[-1]]}" for run in ranges
    )
