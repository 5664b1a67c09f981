"""Campaign reports: figures per district and agency against a hand-counted log, the
"has not reported" segment, reporting in the chat, the units content, and the exports."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.broadcasts.segments import Segment, conditions
from bot.campaigns.export import report_table, to_csv, to_xlsx
from bot.campaigns.report import CampaignReport, Figures, campaign_report
from bot.campaigns.store import create_campaign
from bot.content import Content
from bot.content.units import read_units, unit_errors
from bot.engine import Engine
from bot.settings import PROJECT_ROOT
from bot.storage.models import User
from bot.storage.volunteer_tables import SetupReport
from handlers.volunteer_actions import ReportDone, ReportUnit
from tests import campaign_data, volunteering
from tests.campaign_data import NOW
from tests.chat import Chat, fetch_all
from tests.volunteering import complete_guide

units_content = volunteering.units_content
units_engine = volunteering.units_engine


async def seeded_report(engine: Engine, content: Content) -> CampaignReport:
    info = await engine.database.run(campaign_data.seed)
    report = await engine.database.run(campaign_report, info.id, content, "vi", "Chưa nêu", NOW)
    assert report is not None
    return report


def figures(rows: tuple[object, ...]) -> dict[str | None, tuple[int, int, int]]:
    return {
        row.unit: (row.figures.started, row.figures.completed, row.figures.reported)  # type: ignore[attr-defined]
        for row in rows
    }


async def test_figures_match_the_hand_counted_log(
    units_engine: Engine,
    units_content: Content,
) -> None:
    report = await seeded_report(units_engine, units_content)
    assert figures(report.by_district) == campaign_data.DISTRICTS
    assert figures(report.by_agency) == campaign_data.AGENCIES
    assert report.total == Figures(*campaign_data.TOTAL)
    assert [row.label for row in report.by_district] == [
        "Huyện A (ví dụ)",
        "Huyện B (ví dụ)",
        "Chưa nêu",
    ]
    assert (report.province, report.campaign.first_day, report.campaign.deadline) == (
        "Quảng Ngãi",
        campaign_data.FIRST_DAY,
        campaign_data.DEADLINE,
    )


async def test_reminders_can_target_people_who_have_not_reported(units_engine: Engine) -> None:
    info = await units_engine.database.run(campaign_data.seed)
    segment = Segment(not_reported_campaign=info.id)
    assert Segment.from_json(segment.to_json()) == segment

    def names(connection: Connection) -> set[str]:
        query = select(User.external_id).where(*conditions(segment, NOW))
        return set(connection.execute(query).scalars())

    assert await units_engine.database.run(names) == campaign_data.NOT_REPORTED


async def test_a_citizen_reports_at_the_end_of_a_guide(units_engine: Engine) -> None:
    today = dt.datetime.now(dt.UTC).date()
    info = await units_engine.database.run(
        create_campaign,
        "Kích hoạt lại Bluezone",
        "quang-ngai",
        ["bluezone.reactivate"],
        [],
        today - dt.timedelta(days=1),
        today + dt.timedelta(days=1),
        "test",
    )
    other = Chat(units_engine, user="elsewhere", channel="telegram")
    await other.tap("p:soc-trang")
    await complete_guide(other, "bluezone.reactivate", "android")
    assert not [b for b in other.buttons if b.action.startswith("rp:")], "no Sóc Trăng campaign"
    chat = Chat(units_engine, user="reporter", channel="telegram")
    await chat.tap("p:quang-ngai")
    await complete_guide(chat, "bluezone.install", "android")
    assert not [b for b in chat.buttons if b.action.startswith("rp:")], "not a campaign guide"
    await complete_guide(chat, "bluezone.reactivate", "android")
    done = ReportDone("bluezone.reactivate").pack()
    assert done in {b.action for b in chat.buttons}
    await chat.tap(done)
    agencies = [b.action for b in chat.buttons]
    assert agencies[-1].endswith(":agency:-") and any(a.endswith(":so-y-te") for a in agencies)
    report = agencies[0].split(":")[2]
    await other.tap(ReportUnit(report, "agency", "so-y-te").pack())  # not their report
    await chat.tap(ReportUnit(report, "agency", "nowhere").pack())  # not a listed agency
    await chat.tap(next(a for a in agencies if a.endswith(":so-y-te")))
    await chat.tap(next(b.action for b in chat.buttons if b.action.endswith(":huyen-a")))
    rows = await fetch_all(units_engine.database, select(SetupReport))
    assert [(r.guide, r.province, r.agency, r.district) for r in rows] == [
        ("bluezone.reactivate", "quang-ngai", "so-y-te", "huyen-a")
    ]
    made = await units_engine.database.run(
        campaign_report, info.id, units_engine.content, "vi", "-", dt.datetime.now(dt.UTC)
    )
    assert made is not None
    assert figures(made.by_district)["huyen-a"] == (1, 1, 1)


async def test_baocao_asks_the_province_and_says_when_there_is_no_campaign(
    units_engine: Engine,
) -> None:
    chat = Chat(units_engine, user="nocampaign", channel="telegram")
    await chat.say("/baocao")
    assert any(b.action.startswith("p:") for b in chat.buttons), "asks the province first"
    await chat.tap("p:quang-ngai")
    await chat.say("/baocao")
    assert not [b for b in chat.buttons if b.action.startswith("rp:")]
    today = dt.datetime.now(dt.UTC).date()
    await units_engine.database.run(
        create_campaign,
        "Cài Bluezone",
        "quang-ngai",
        ["bluezone.install", "ncovi.declare"],
        [],
        today,
        today,
        "test",
    )
    await chat.say("/baocao")
    assert {b.action for b in chat.buttons} >= {
        ReportDone("bluezone.install").pack(),
        ReportDone("ncovi.declare").pack(),
    }
    await chat.tap(ReportDone("ncovi.declare").pack())
    skip = next(b.action for b in chat.buttons if b.action.endswith(":agency:-"))
    await chat.tap(skip)
    await chat.tap(next(b.action for b in chat.buttons if b.action.endswith(":district:-")))
    rows = await fetch_all(units_engine.database, select(SetupReport))
    assert [(r.guide, r.agency, r.district) for r in rows] == [("ncovi.declare", None, None)]


def test_shipped_units_are_valid_and_cite_their_letters(content: Content) -> None:
    units = content.units["quang-ngai"]
    assert units.districts == (), "no letter names a district"
    assert {u.id for u in units.agencies} >= {"tinh-doan", "hoi-phu-nu", "so-y-te"}
    assert all(content.sources[u.source].province == "quang-ngai" for u in units.agencies)
    assert unit_errors(content, 60) == []


def test_broken_units_are_reported(tmp_path: Path, content: Content) -> None:
    (tmp_path / "quang-ngai.yaml").write_text(
        "province: quang-ngai\nagencies:\n"
        "  - {id: so-y-te, name: {vi: Sở Y tế, en: Health}, source: letter-2021-02-st-stttt}\n"
        "  - {id: so-y-te, name: {vi: Sở Y tế}, source: letter-2020-08-12-qng-ubnd}\n"
        "  - {id: Bad_Id, name: {vi: X, en: X}, source: letter-2020-08-12-qng-ubnd}\n"
        "districts:\n  - {id: a, name: {vi: '" + "x" * 70 + "', en: A}, source: nothing}\n",
        encoding="utf-8",
    )
    (tmp_path / "atlantis.yaml").write_text("province: atlantis\n", encoding="utf-8")
    units, problems = read_units(tmp_path, content.locales)
    assert any("'name' has no en text" in p for p in problems)
    assert any("Bad_Id" in p for p in problems)
    errors = unit_errors(dataclasses.replace(content, units=units), 60)
    text = "\n".join(errors)
    assert "no province 'atlantis'" in text and "id used twice" in text
    assert "'letter-2021-02-st-stttt' is not a letter of quang-ngai" in text
    assert "over the button label limit of 60" in text and "'nothing'" in text


def test_content_check_reads_the_units(tmp_path: Path) -> None:
    copy = tmp_path / "content"
    subprocess.run(["cp", "-r", str(PROJECT_ROOT / "content"), str(copy)], check=True)
    (copy / "units" / "quang-ngai.yaml").write_text("province: soc-trang\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", str(copy)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
    )
    assert done.returncode == 1 and "units/quang-ngai.yaml" in done.stdout


async def test_csv_and_xlsx_hold_the_same_cells(
    units_engine: Engine, units_content: Content
) -> None:
    report = await seeded_report(units_engine, units_content)
    table = report_table(report, ["Hướng dẫn kích hoạt lại Bluezone"], str)
    rows = list(csv.reader(io.StringIO(to_csv(table))))
    assert rows[1] == ["Campaign", "Kích hoạt lại Bluezone"]
    assert ["First day", "2026-11-02"] in rows and ["Deadline", "2026-11-15"] in rows
    assert ["Province", "Quảng Ngãi"] in rows and ["Target groups", "cán bộ, công chức"] in rows
    assert ["Huyện B (ví dụ)", "0", "1", "2"] in rows and rows.count(["Total", "5", "4", "4"]) == 2
    sheet = load_workbook(io.BytesIO(to_xlsx(table, "Báo cáo")))["Báo cáo"]
    cells = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert [[str(c) for c in row] for row in cells] == [[str(c) for c in row] for row in table.rows]
    assert len(sheet._charts) == 2  # by district, by agency


def test_the_cli_creates_a_campaign_and_exports_its_report(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    def helpdesk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=PROJECT_ROOT,
            timeout=120,
        )

    bad = helpdesk(
        "campaign",
        "create",
        "--name",
        "X",
        "--province",
        "atlantis",
        "--deadline",
        "2026-12-31",
        "--guide",
        "nothing",
    )
    assert bad.returncode != 0 and "atlantis" in bad.stderr and "nothing" in bad.stderr
    made = helpdesk(
        "campaign",
        "create",
        "--name",
        "Kích hoạt lại Bluezone",
        "--province",
        "quang-ngai",
        "--start",
        "2026-11-02",
        "--deadline",
        "2026-11-15",
        "--guide",
        "bluezone.reactivate",
        "--groups",
        "cán bộ, công chức",
    )
    assert made.returncode == 0, made.stderr
    identifier = made.stdout.strip()
    assert "2026-11-02 .. 2026-11-15" in helpdesk("campaign", "list").stdout
    for kind in ("csv", "xlsx"):
        out = tmp_path / f"report.{kind}"
        done = helpdesk("report", "campaign", identifier, "--format", kind, "-o", str(out))
        assert done.returncode == 0, done.stderr
    text = (tmp_path / "report.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf"), "a byte-order mark for Excel"
    assert "Kích hoạt lại Bluezone" in text.decode("utf-8-sig")
    assert load_workbook(tmp_path / "report.xlsx").active is not None
    assert helpdesk("report", "campaign", "999", "-o", str(tmp_path / "x.csv")).returncode != 0
