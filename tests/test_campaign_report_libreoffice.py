"""The XLSX report opens cleanly in LibreOffice: Debian's libreoffice-calc, headless, converts
it to CSV, and every cell equals the CSV export of the same report."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.campaigns.export import report_table, to_csv, to_xlsx
from bot.campaigns.report import campaign_report
from bot.engine import Engine
from bot.i18n import translations
from bot.settings import PROJECT_ROOT
from tests import campaign_data, volunteering
from tests.campaign_data import NOW

units_content = volunteering.units_content
units_engine = volunteering.units_engine

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="Debian's libreoffice-calc is missing: scripts/ensure-report-tools installs it",
)
# Comma-separated, double quotes, UTF-8 (76), from the first row.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1"


def cells(text: str) -> list[list[str]]:
    """Rows of a CSV text, without the empty cells a spreadsheet pads rows with."""
    rows = []
    for row in csv.reader(io.StringIO(text)):
        while row and row[-1] == "":
            row.pop()
        rows.append(row)
    return rows


async def test_libreoffice_reads_the_xlsx_as_written(
    units_engine: Engine,
    tmp_path: Path,
) -> None:
    info = await units_engine.database.run(campaign_data.seed)
    _ = translations(PROJECT_ROOT / "locales", "vi").gettext
    report = await units_engine.database.run(
        campaign_report, info.id, units_engine.content, "vi", _("Not given"), NOW
    )
    assert report is not None
    table = report_table(report, ["Hướng dẫn kích hoạt lại Bluezone"], _)
    workbook = tmp_path / "report.xlsx"
    workbook.write_bytes(to_xlsx(table, _("Report")))
    assert SOFFICE is not None
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            CSV_FILTER,
            "--outdir",
            str(tmp_path / "out"),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    converted = tmp_path / "out" / "report.csv"
    assert done.returncode == 0 and converted.exists(), done.stderr or done.stdout
    read_back = cells(converted.read_text(encoding="utf-8"))
    assert read_back == cells(to_csv(table))
    assert ["Huyện A (ví dụ)", "2", "2", "2"] in read_back
