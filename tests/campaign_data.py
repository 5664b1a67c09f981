"""A seeded log for the campaign-report tests, with the figures counted by hand.

Campaign: Quảng Ngãi, guide bluezone.reactivate, 2/11/2026 to 15/11/2026 (Vietnam time), so
from 2026-11-01 17:00 UTC to 2026-11-15 17:00 UTC. Districts and agencies are the example
units of tests/data/units/ (placeholders, not content).

person  events in the window (reactivate)    report (district, agency)       counts as
q1      started, completed                    huyen-a, so-y-te                s c r
q2      started, completed                    huyen-a, -                      s c r
q3      started                               -                               s
q4      started 30/10 (before), completed     huyen-b, tinh-doan                c r
q5      started twice, completed              -                               s c
q6      -                                     huyen-b, tinh-doan                  r
q7      started bluezone.install (not counted) -
q8      started 16/11 (after the deadline)    reported 16/11 (after)
s9      (Sóc Trăng) started, completed        huyen-a, so-y-te                (other province)
q10     started before giving a province      -                               s
-       an unlinked event (a person who deleted their data): not counted

By district: huyen-a 2/2/2, huyen-b 0/1/2, not given 3/1/0; total 5/4/4.
By agency: so-y-te 1/1/1, tinh-doan 0/1/2, not given 4/2/1; total 5/4/4.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from bot.campaigns.store import CampaignInfo, create_campaign, save_report, set_report_unit
from bot.storage.models import Event, User

GUIDE = "bluezone.reactivate"
FIRST_DAY = dt.date(2026, 11, 2)
DEADLINE = dt.date(2026, 11, 15)
IN = dt.datetime(2026, 11, 5, 3, 0, tzinfo=dt.UTC)
BEFORE = dt.datetime(2026, 10, 30, 3, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2026, 11, 15, 17, 30, tzinfo=dt.UTC)  # 16/11 00:30 in Vietnam
NOW = dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC)  # when the report is made

DISTRICTS = {"huyen-a": (2, 2, 2), "huyen-b": (0, 1, 2), None: (3, 1, 0)}
AGENCIES = {"so-y-te": (1, 1, 1), "tinh-doan": (0, 1, 2), None: (4, 2, 1)}
TOTAL = (5, 4, 4)
NOT_REPORTED = {"q3", "q5", "q7", "q10"}

PEOPLE: dict[str, tuple[str, list[tuple[str, str, dt.datetime]], tuple[str | None, ...] | None]] = {
    # name: (province, [(kind, guide, when)], (district, agency) of a report in the window)
    "q1": (
        "quang-ngai",
        [("guide_started", GUIDE, IN), ("guide_completed", GUIDE, IN)],
        ("huyen-a", "so-y-te"),
    ),
    "q2": (
        "quang-ngai",
        [("guide_started", GUIDE, IN), ("guide_completed", GUIDE, IN)],
        ("huyen-a", None),
    ),
    "q3": ("quang-ngai", [("guide_started", GUIDE, IN)], None),
    "q4": (
        "quang-ngai",
        [("guide_started", GUIDE, BEFORE), ("guide_completed", GUIDE, IN)],
        ("huyen-b", "tinh-doan"),
    ),
    "q5": (
        "quang-ngai",
        [
            ("guide_started", GUIDE, IN),
            ("guide_started", GUIDE, IN),
            ("guide_completed", GUIDE, IN),
        ],
        None,
    ),
    "q6": ("quang-ngai", [], ("huyen-b", "tinh-doan")),
    "q7": ("quang-ngai", [("guide_started", "bluezone.install", IN)], None),
    "q8": ("quang-ngai", [("guide_started", GUIDE, AFTER)], None),
    "s9": (
        "soc-trang",
        [("guide_started", GUIDE, IN), ("guide_completed", GUIDE, IN)],
        ("huyen-a", "so-y-te"),
    ),
    "q10": ("quang-ngai", [("guide_started", GUIDE, IN)], None),
}
# People whose events were recorded before they gave their province.
NO_PROVINCE_YET = {"q10"}


def seed(connection: Connection) -> CampaignInfo:
    """The campaign and the log above; people are Telegram users (broadcasts reach them)."""
    info = create_campaign(
        connection,
        "Kích hoạt lại Bluezone",
        "quang-ngai",
        [GUIDE],
        ["cán bộ, công chức"],
        FIRST_DAY,
        DEADLINE,
        "test",
    )
    for name, (province, events, report) in PEOPLE.items():
        user = connection.execute(
            insert(User)
            .values(channel="telegram", external_id=name, province=province)
            .returning(User.id)
        ).scalar_one()
        for kind, guide, when in events:
            connection.execute(
                insert(Event).values(
                    user_id=user,
                    channel="telegram",
                    kind=kind,
                    guide=guide,
                    created_at=when,
                    province=None if name in NO_PROVINCE_YET else province,
                )
            )
        if report is not None:
            made = save_report(connection, user, GUIDE, province, IN)
            set_report_unit(connection, made, user, "district", report[0])
            set_report_unit(connection, made, user, "agency", report[1])
        if name == "q8":
            save_report(connection, user, GUIDE, province, AFTER)
    connection.execute(
        insert(Event).values(
            user_id=None,
            channel="telegram",
            province="quang-ngai",
            kind="guide_started",
            guide=GUIDE,
            created_at=IN,
        )
    )
    return info
