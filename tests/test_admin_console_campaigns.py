"""The console's campaigns section: the list, defining a campaign (with CSRF), a campaign's
figures against the hand-counted log of tests/campaign_data.py, its chart, and the CSV and
XLSX downloads holding the same cells."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.campaigns.store import campaigns
from bot.content import Content
from bot.engine import Engine
from bot.settings import Settings
from tests import campaign_data, volunteering
from tests.admin_console import (
    MakeClient,
    add_account,
    cheap_hashes,  # noqa: F401 (a fixture)
    console_app,
    post_form,
    sign_in,
)

pytestmark = pytest.mark.usefixtures("cheap_hashes")
ENGLISH = {"Accept-Language": "en"}
units_content = volunteering.units_content
units_engine = volunteering.units_engine


@pytest.fixture
async def admin(
    aiohttp_client: MakeClient, units_engine: Engine, units_content: Content, settings: Settings
) -> Any:
    await add_account(units_engine, "alice")
    app = console_app(units_engine, settings, units_content)
    client = await aiohttp_client(app, headers=ENGLISH)
    assert (await sign_in(client, "alice")).status == 303
    return client


def table_rows(page: str, key: str) -> list[list[str]]:
    """The body cells of the table `table-<key>` of a page, as text."""
    section = page.split(f'id="table-{key}"', 1)[1].split("</table>", 1)[0]
    body = section.split("<tbody>", 1)[1]
    return [
        [html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for cells in (re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in body.split("</tr>"))
        if cells
    ]


async def test_the_campaign_page_shows_the_hand_counted_figures(
    admin: Any, units_engine: Engine
) -> None:
    info = await units_engine.database.run(campaign_data.seed)
    listed = await admin.get("/admin/campaigns")
    assert listed.status == 200
    assert f'href="/admin/campaigns/{info.id}"' in await listed.text()

    opened = await admin.get(f"/admin/campaigns/{info.id}")
    page = await opened.text()
    assert opened.status == 200, page
    a, b, none = campaign_data.DISTRICTS["huyen-a"], campaign_data.DISTRICTS["huyen-b"], None
    given = campaign_data.DISTRICTS[none]
    assert table_rows(page, "districts") == [
        ["District A (example)", *map(str, a)],
        ["District B (example)", *map(str, b)],
        ["Not given", *map(str, given)],
    ]
    agencies = campaign_data.AGENCIES
    assert table_rows(page, "agencies") == [
        ["Department of Health", *map(str, agencies["so-y-te"])],
        ["Quảng Ngãi Provincial Youth Union", *map(str, agencies["tinh-doan"])],
        ["Not given", *map(str, agencies[None])],
    ]
    assert "5 started, 4 completed, 4 reported" in page
    chart = page.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    assert "<script" not in chart
    assert chart.count("<rect") == 3 * 3 + 3  # three districts of three bars, and the legend

    assert (await admin.get("/admin/campaigns/999")).status == 404


async def test_the_xlsx_download_has_the_cells_of_the_csv(admin: Any, units_engine: Engine) -> None:
    info = await units_engine.database.run(campaign_data.seed)
    got_csv = await admin.get(f"/admin/campaigns/{info.id}/report.csv")
    assert got_csv.status == 200
    assert got_csv.content_type == "text/csv"
    assert re.search(
        r'attachment; filename="campaign-\d+-[\d-]+\.csv"', got_csv.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO((await got_csv.read()).decode("utf-8-sig"))))
    assert ["Campaign", "Kích hoạt lại Bluezone"] in rows
    assert ["Total", *map(str, campaign_data.TOTAL)] in rows

    got_xlsx = await admin.get(f"/admin/campaigns/{info.id}/report.xlsx")
    assert got_xlsx.status == 200
    assert got_xlsx.content_type == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert got_xlsx.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(await got_xlsx.read())).worksheets[0]
    cells = [
        ["" if value is None else str(value) for value in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    width = max(len(row) for row in cells)
    assert [row + [""] * (width - len(row)) for row in rows] == cells


async def test_a_campaign_is_created_from_the_form(admin: Any, units_engine: Engine) -> None:
    form = {
        "name": "Cài đặt Bluezone",
        "province": "quang-ngai",
        "first_day": "2026-11-02",
        "deadline": "2026-11-15",
        "groups": "cán bộ, công chức, đoàn viên",
        f"guide_{campaign_data.GUIDE}": "1",
    }
    made = await post_form(admin, "/admin/campaigns", "/admin/campaigns", form)
    assert made.status == 303
    assert re.fullmatch(r"/admin/campaigns/\d+\?created=1", made.headers["Location"])
    (info,) = await units_engine.database.run(campaigns)
    assert (info.name, info.province, info.guides) == (
        "Cài đặt Bluezone",
        "quang-ngai",
        (campaign_data.GUIDE,),
    )
    assert info.groups == ("cán bộ", "công chức", "đoàn viên")
    assert (info.first_day, info.deadline) == (campaign_data.FIRST_DAY, campaign_data.DEADLINE)

    wrong = await post_form(
        admin, "/admin/campaigns", "/admin/campaigns", {**form, "deadline": "2026-11-01"}
    )
    assert wrong.status == 422
    assert "The deadline is before the first day." in await wrong.text()
    forged = await admin.post("/admin/campaigns", data=form, allow_redirects=False)
    assert forged.status == 403
    assert len(await units_engine.database.run(campaigns)) == 1


async def test_operators_cannot_open_campaigns(
    aiohttp_client: MakeClient, units_engine: Engine, settings: Settings
) -> None:
    await add_account(units_engine, "olga", "operator")
    client = await aiohttp_client(console_app(units_engine, settings), headers=ENGLISH)
    assert (await sign_in(client, "olga")).status == 303
    assert (await client.get("/admin/campaigns")).status == 403
