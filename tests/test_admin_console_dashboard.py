"""The dashboard's figures against a seeded event log, counted by hand; the unanswered
questions from real conversations; the guide funnels; and their CSV exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Connection

from bot.admin.chart import nice_ceiling
from bot.admin.period import Filters, read_filters
from bot.admin.tables import Column, Table, csv_text
from bot.admin.unanswered import mask_numbers
from bot.engine import Engine
from bot.settings import Settings
from bot.storage.models import Event, User
from tests.admin_console import (
    MakeClient,
    add_account,
    cheap_hashes,  # noqa: F401 (a fixture)
    console_app,
    sign_in,
)
from tests.chat import Chat

pytestmark = pytest.mark.usefixtures("cheap_hashes")
RANGE = {"from": "2026-03-01", "to": "2026-03-03"}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


# (kind, person, province, topic, guide, step, detail, when in UTC). Vietnam is UTC+7.
EVENTS: list[tuple[str, str, str | None, str | None, str | None, str | None, str | None, str]] = [
    (
        "understood",
        "u1",
        "soc-trang",
        "bluezone.install",
        None,
        None,
        None,
        "2026-02-28T17:10",
    ),  # 1 Mar 00:10
    ("not_understood", "u1", "soc-trang", None, None, None, None, "2026-03-01T02:00"),
    ("understood", "u2", "quang-ngai", "bluezone.install", None, None, None, "2026-03-01T03:00"),
    ("escalation", "u2", "quang-ngai", None, None, None, "asked", "2026-03-01T03:00:01"),
    (
        "understood",
        "u1",
        "soc-trang",
        "qr.scan",
        None,
        None,
        None,
        "2026-03-01T17:30",
    ),  # 2 Mar 00:30
    ("clarified", "u3", None, "bluezone.install", None, None, None, "2026-03-02T05:00"),
    ("not_understood", "u3", None, None, None, None, None, "2026-03-02T06:00"),
    ("escalation", "u3", None, None, None, None, "not_understood", "2026-03-02T06:00"),
    # Outside the range: 4 March 00:00 and 28 February 23:59 in Vietnam.
    ("understood", "u1", "soc-trang", "qr.scan", None, None, None, "2026-03-03T17:00"),
    ("understood", "u2", "quang-ngai", "qr.scan", None, None, None, "2026-02-28T16:59"),
    # A guide: two starts asked the branch first (not counted), then 3 on Android, 1 on iPhone.
    *[
        (
            "guide_started",
            "u1",
            "soc-trang",
            None,
            "bluezone.install",
            None,
            None,
            "2026-03-02T01:00",
        )
    ]
    * 2,
    *[
        (
            "guide_started",
            "u1",
            "soc-trang",
            None,
            "bluezone.install",
            None,
            "android",
            "2026-03-02T01:01",
        )
    ]
    * 3,
    (
        "guide_started",
        "u2",
        "quang-ngai",
        None,
        "bluezone.install",
        None,
        "ios",
        "2026-03-02T01:02",
    ),
    *[
        (
            "step_failed",
            "u1",
            "soc-trang",
            None,
            "bluezone.install",
            "store",
            "1",
            "2026-03-02T01:03",
        )
    ]
    * 2,
    ("step_failed", "u1", "soc-trang", None, "bluezone.install", "store", "2", "2026-03-02T01:04"),
    (
        "step_failed",
        "u2",
        "quang-ngai",
        None,
        "bluezone.install",
        "install",
        "1",
        "2026-03-02T01:05",
    ),
    (
        "guide_stopped",
        "u2",
        "quang-ngai",
        None,
        "bluezone.install",
        "search",
        None,
        "2026-03-02T01:06",
    ),
    (
        "guide_completed",
        "u1",
        "soc-trang",
        None,
        "bluezone.install",
        None,
        "android",
        "2026-03-02T01:07",
    ),
    (
        "guide_not_working",
        "u2",
        "quang-ngai",
        None,
        "bluezone.install",
        None,
        "ios",
        "2026-03-02T01:08",
    ),
]


def seed(connection: Connection) -> None:
    people: dict[str, int] = {}
    for name in ("u1", "u2", "u3"):
        people[name] = connection.execute(
            insert(User)
            .values(
                channel="test",
                external_id=name,
                locale="vi",
                role="citizen",
                created_at=utc("2026-01-01T00:00"),
                last_seen_at=utc("2026-01-01T00:00"),
            )
            .returning(User.id)
        ).scalar_one()
    connection.execute(
        insert(Event),
        [
            {
                "user_id": people[who],
                "channel": "test",
                "province": province,
                "kind": kind,
                "topic": topic,
                "guide": guide,
                "step": step,
                "detail": detail,
                "created_at": utc(when),
            }
            for kind, who, province, topic, guide, step, detail, when in EVENTS
        ],
    )


async def export(client: Any, table: str, **query: str) -> list[dict[str, str]]:
    response = await client.get(f"/admin/dashboard/export/{table}.csv", params=query)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert f"dashboard-{table}.csv" in response.headers["Content-Disposition"]
    text = (await response.read()).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
async def signed_in(aiohttp_client: MakeClient, any_engine: Engine, settings: Settings) -> Any:
    await any_engine.database.run(seed)
    await add_account(any_engine, "alice")
    client = await aiohttp_client(
        console_app(any_engine, settings), headers={"Accept-Language": "en"}
    )
    await sign_in(client, "alice")
    return client


async def test_dashboard_figures_match_the_hand_counted_log(signed_in: Any) -> None:
    daily = await export(signed_in, "daily", **RANGE)
    # 1 March: u1 and u2; 2 March: u1, u2 (the guide) and u3.
    assert [
        (r["day"], r["conversations"], r["questions"], r["not_understood"], r["escalations"])
        for r in daily
    ] == [
        ("2026-03-01", "2", "3", "1", "1"),
        ("2026-03-02", "3", "3", "1", "1"),
        ("2026-03-03", "0", "0", "0", "0"),
    ]
    understanding = await export(signed_in, "understanding", **RANGE)
    assert [(r["questions"], r["share"]) for r in understanding] == [
        ("3", "0.5"),
        ("1", "0.1667"),
        ("2", "0.3333"),
    ]
    topics = await export(signed_in, "topics", **RANGE)
    assert [(r["topic"], r["answered"]) for r in topics] == [
        ("bluezone.install", "2"),
        ("qr.scan", "1"),
    ]
    provinces = await export(signed_in, "provinces", **RANGE)
    assert [
        (r["province"], r["conversations"], r["questions"], r["not_understood"], r["escalations"])
        for r in provinces
    ] == [
        ("soc-trang", "1", "3", "1", "0"),
        ("unknown", "1", "2", "1", "1"),
        ("quang-ngai", "1", "1", "0", "1"),
    ]
    assert [r["name"] for r in provinces] == ["Soc Trang", "Province not given", "Quang Ngai"]
    reasons = await export(signed_in, "escalations", **RANGE)
    assert [(r["reason"], r["times"]) for r in reasons] == [
        ("asked for a person or a number", "1"),
        ("not understood twice in a row", "1"),
    ]

    page = await signed_in.get("/admin/dashboard", params=RANGE)
    html = await page.text()
    assert "<svg" in html and 'role="img"' in html
    assert "<dd>3</dd>" in html  # three people
    assert "<dd>50%</dd>" in html  # understood


async def test_the_province_filter_narrows_every_figure(signed_in: Any) -> None:
    daily = await export(signed_in, "daily", province="soc-trang", **RANGE)
    assert [(r["conversations"], r["questions"]) for r in daily] == [
        ("1", "2"),
        ("1", "1"),
        ("0", "0"),
    ]
    nobody = await export(signed_in, "daily", province="unknown", **RANGE)
    assert [(r["conversations"], r["questions"], r["escalations"]) for r in nobody] == [
        ("0", "0", "0"),
        ("1", "2", "1"),
        ("0", "0", "0"),
    ]


async def test_numbers_and_dates_are_vietnamese_on_the_vietnamese_page(signed_in: Any) -> None:
    page = await signed_in.get("/admin/dashboard", params={**RANGE, "lang": "vi"})
    html = await page.text()
    assert '<html lang="vi">' in html
    assert "1 thg 3, 2026" in html  # Babel's medium date for vi_VN
    assert "50%" in html


async def test_guide_funnel_numbers(signed_in: Any) -> None:
    funnels = {r["guide"]: r for r in await export(signed_in, "funnels", **RANGE)}
    install = funnels["bluezone.install"]
    assert (
        install["started"],
        install["completed"],
        install["completion"],
        install["not_working"],
        install["escalated"],
        install["without_outcome"],
    ) == ("4", "1", "0.25", "1", "1", "1")
    assert funnels["qr.scan"]["started"] == "0"
    steps = [
        (r["step"], r["failed"], r["escalated"], r["stopped"])
        for r in await export(signed_in, "funnel_steps", **RANGE)
        if r["guide"] == "bluezone.install"
    ]
    assert steps == [
        ("store", "3", "1", "0"),
        ("search", "0", "0", "1"),
        ("install", "1", "0", "0"),
        ("phone", "0", "0", "0"),
        ("permissions", "0", "0", "0"),
    ]


async def test_unanswered_questions_are_grouped_after_normalisation(
    aiohttp_client: MakeClient, any_engine: Engine, settings: Settings
) -> None:
    said = [
        ("a", "Thời tiết hôm nay thế nào?"),
        ("b", "thoi tiet hom nay the nao"),
        ("c", "THỜI TIẾT HÔM NAY THẾ NÀO!!"),
        ("d", "giá vàng hôm nay bao nhiêu ko"),
        ("e", "gia vang hom nay bao nhieu khong"),
        ("f", "mua vé máy bay ở đâu, gọi 0912 345 678"),
        ("g", "cài bluezone trên android"),  # understood: not listed
    ]
    for person, text in said:
        chat = Chat(any_engine, user=person)
        await chat.say(text)
    await add_account(any_engine, "alice")
    client = await aiohttp_client(
        console_app(any_engine, settings), headers={"Accept-Language": "en"}
    )
    await sign_in(client, "alice")

    rows = await export(client, "unanswered")
    assert [(r["question"], r["times"]) for r in rows] == [
        ("THỜI TIẾT HÔM NAY THẾ NÀO!!", "3"),
        ("gia vang hom nay bao nhieu khong", "2"),
        ("mua vé máy bay ở đâu, gọi ###", "1"),
    ]
    html = await (await client.get("/admin/dashboard")).text()
    assert "0912" not in html
    assert "/admin/content/examples/new?text=" in html


def test_phone_and_id_numbers_are_masked() -> None:
    assert mask_numbers("số tôi 0912.345.678 và cccd 079201001234") == "số tôi ### và cccd ###"
    assert mask_numbers("bluezone 3.0.3, mã 123456") == "bluezone 3.0.3, mã 123456"


def test_filters_fall_back_to_the_last_30_days_and_at_most_a_year() -> None:
    today = dt.date(2026, 3, 31)
    assert read_filters({}, {}, today) == Filters(dt.date(2026, 3, 2), today)
    assert read_filters({"from": "2026-03-10", "to": "2026-03-01"}, {}, today) == Filters(
        dt.date(2026, 3, 1), dt.date(2026, 3, 10)
    )
    assert read_filters(
        {"from": "2020-01-01", "to": "2026-03-01", "province": "atlantis"}, {}, today
    ) == Filters(dt.date(2025, 3, 1), dt.date(2026, 3, 1))
    span = Filters(dt.date(2026, 3, 1), dt.date(2026, 3, 1))
    assert (span.since, span.until) == (utc("2026-02-28T17:00"), utc("2026-03-01T17:00"))


def test_csv_export_defuses_spreadsheet_formulas() -> None:
    table = Table(
        "t",
        "T",
        (Column("question", "Question"), Column("times", "Times", "number")),
        [('=HYPERLINK("x")', 2), ("-1 ok", 1)],
    )
    assert csv_text(table).splitlines() == [
        "question,times",
        '"\'=HYPERLINK(""x"")",2',
        "'-1 ok,1",
    ]


def test_chart_scale_is_round() -> None:
    assert [nice_ceiling(n) for n in (0, 1, 3, 7, 11, 240, 5000)] == [1, 1, 5, 10, 20, 500, 5000]
