"""A table shown on a console page, and the same table as CSV (`.../export/<table>.csv`).

Pages build their tables with one function, which both the page and its CSV export call,
so an export holds exactly what the page shows (never password hashes or session tokens:
no page shows them).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

CellKind = Literal["text", "number", "percent", "date", "moment"]
Cell = str | int | float | dt.date | dt.datetime | None
# A spreadsheet runs a cell that starts with one of these as a formula; people's questions
# are not formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """A column: its key (the CSV header), its title on the page, and how values look."""

    key: str
    title: str
    kind: CellKind = "text"


@dataclass(frozen=True)
class Table:
    """Rows under columns, with a caption; `key` names it in its CSV address."""

    key: str
    caption: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[Cell, ...]] = field(default_factory=list)
    note: str = ""


def csv_cell(value: Cell) -> str:
    """A value as CSV text: ISO dates, plain numbers, and no text a spreadsheet would run."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(table: Table) -> str:
    """The table as CSV (a header of column keys, then the rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.key for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def csv_response(table: Table, name: str) -> web.Response:
    """The table as a CSV download named `<name>.csv` (UTF-8 with a BOM, for spreadsheets)."""
    return web.Response(
        body=("\ufeff" + csv_text(table)).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
