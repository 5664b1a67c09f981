"""A campaign report as a table, written to CSV or to XLSX (openpyxl) with a bar chart per
district and one per agency.

Both formats hold the same cells: the header (campaign, province, first day, deadline,
target groups, guides, when it was made), then the table by district and the table by agency,
each with a total. Dates are written as ISO text (2026-11-30), so every spreadsheet program
reads them alike. CSV files are written with a byte-order mark by the CLI, so Excel shows the
Vietnamese letters.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from bot.broadcasts.schedule import DEFAULT_ZONE
from bot.campaigns.report import CampaignReport, Figures, ReportRow
from bot.volunteers.card import Translate

Cell = str | int


@dataclass
class Table:
    """The report's cells, row by row, and where its two tables' data rows are (1-based)."""

    rows: list[list[Cell]] = field(default_factory=list)
    sections: list[tuple[str, int, int]] = field(default_factory=list)
    headings: list[int] = field(default_factory=list)

    def add(self, *cells: Cell) -> int:
        """Append a row; its number (1-based)."""
        self.rows.append(list(cells))
        return len(self.rows)


def _figures(label: str, figures: Figures) -> list[Cell]:
    return [label, figures.started, figures.completed, figures.reported]


def _section(
    table: Table, title: str, unit: str, rows: tuple[ReportRow, ...], total: Figures, _: Translate
) -> None:
    table.headings.append(table.add(title))
    header = table.add(unit, _("Started"), _("Completed"), _("Reported"))
    table.headings.append(header)
    for row in rows:
        table.add(*_figures(row.label, row.figures))
    table.sections.append((title, header, header + len(rows)))
    table.headings.append(table.add(*_figures(_("Total"), total)))


def report_table(report: CampaignReport, guides: list[str], _: Translate) -> Table:
    """The report's cells; `guides` are the campaign's guide titles."""
    info = report.campaign
    table = Table()
    table.headings.append(table.add(_("Campaign report")))
    table.add(_("Campaign"), info.name)
    table.add(_("Province"), report.province)
    table.add(_("First day"), info.first_day.isoformat())
    table.add(_("Deadline"), info.deadline.isoformat())
    table.add(_("Target groups"), ", ".join(info.groups) or "-")
    table.add(_("Guides"), ", ".join(guides))
    made = report.generated_at.astimezone(DEFAULT_ZONE).strftime("%Y-%m-%d %H:%M")
    table.add(_("Made on"), made)
    table.add()
    _section(table, _("By district"), _("District"), report.by_district, report.total, _)
    table.add()
    _section(table, _("By agency"), _("Agency"), report.by_agency, report.total, _)
    return table


def to_csv(table: Table) -> str:
    """The table as CSV text (comma-separated, quoted where needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(table.rows)
    return buffer.getvalue()


def to_xlsx(table: Table, sheet_title: str) -> bytes:
    """The table as an XLSX workbook: one sheet, bold headings, a bar chart per table."""
    workbook = Workbook()
    blank = workbook.active
    sheet: Worksheet = workbook.create_sheet(sheet_title[:31])
    if blank is not None:
        workbook.remove(blank)
    for row in table.rows:
        sheet.append(row)
    for number in table.headings:
        for cell in sheet[number]:
            cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 42
    for column in ("B", "C", "D"):
        sheet.column_dimensions[column].width = 16
    for index, (title, header, last) in enumerate(table.sections):
        chart = BarChart()
        chart.title = title
        chart.type = "bar"
        chart.height, chart.width = 9, 18
        data = Reference(sheet, min_col=2, max_col=4, min_row=header, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=last))
        sheet.add_chart(chart, f"G{2 + index * 20}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
