"""The filters of the dashboard and feedback pages: a date range (Vietnamese days) and a
province; and the SQL that counts by day in Asia/Ho_Chi_Minh on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, literal_column

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# Vietnam has kept UTC+7 without summer time since 1975, so SQLite can shift by a constant.
SQLITE_SHIFT = "+7 hours"
DEFAULT_DAYS = 30
MAX_DAYS = 366
UNKNOWN_PROVINCE = "unknown"


@dataclass(frozen=True)
class Filters:
    """Days `first` to `last` (both included, Vietnamese time) and optionally one province
    (`UNKNOWN_PROVINCE`: people who never said)."""

    first: dt.date
    last: dt.date
    province: str | None = None

    @property
    def since(self) -> dt.datetime:
        """The start of the first day, in UTC."""
        return dt.datetime.combine(self.first, dt.time(), ZONE).astimezone(dt.UTC)

    @property
    def until(self) -> dt.datetime:
        """The start of the day after the last, in UTC (excluded)."""
        following = self.last + dt.timedelta(days=1)
        return dt.datetime.combine(following, dt.time(), ZONE).astimezone(dt.UTC)

    def days(self) -> list[dt.date]:
        """Every day of the range, in order."""
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def query(self) -> str:
        """The filters as a query string, for links that keep them."""
        values = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.province:
            values["province"] = self.province
        return urlencode(values)


def today() -> dt.date:
    """Today in Vietnam."""
    return dt.datetime.now(ZONE).date()


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def read_filters(query: Mapping[str, str], provinces: Mapping[str, Any], now: dt.date) -> Filters:
    """Filters from a query string; a missing or wrong value falls back to the last 30 days
    and every province, and a range is at most a year long."""
    last = _date(query.get("to")) or now
    first = _date(query.get("from")) or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        first = last - dt.timedelta(days=MAX_DAYS - 1)
    province = query.get("province") or None
    if province is not None and province not in provinces and province != UNKNOWN_PROVINCE:
        province = None
    return Filters(first, last, province)


def where(filters: Filters, created: Any, province: Any) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the filters over a table's time and province columns."""
    clauses: list[ColumnElement[bool]] = [created >= filters.since, created < filters.until]
    if filters.province == UNKNOWN_PROVINCE:
        clauses.append(province.is_(None))
    elif filters.province:
        clauses.append(province == filters.province)
    return clauses


def local_day(created: Any, dialect: str) -> ColumnElement[Any]:
    """The Vietnamese calendar day of a UTC timestamp column, in SQL."""
    if dialect == "postgresql":
        return func.date(func.timezone(literal_column(f"'{ZONE.key}'"), created))
    return func.date(created, literal_column(f"'{SQLITE_SHIFT}'"))


def as_date(value: Any) -> dt.date:
    """A day as the database returns it (a date on PostgreSQL, text on SQLite)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
