"""Tried as people would: an admin invites a volunteer, the volunteer shares a guide and gets
its poster, citizens scan the poster's QR code into the guide, one completes it and reports,
and both the volunteer's /myimpact and the campaign report show it."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from PIL import Image

from bot.campaigns.export import report_table, to_csv
from bot.campaigns.report import Figures, campaign_report
from bot.campaigns.store import create_campaign
from bot.content import Content
from bot.i18n import translations
from bot.matcher import Understander
from bot.settings import PROJECT_ROOT
from bot.volunteers import store
from bot.volunteers.card import shareable
from bot.volunteers.links import ShareLinks, web_start_payload
from bot.volunteers.poster import poster_png, poster_text
from handlers.volunteer_actions import ReportDone, ReportProvince, ShareItem, ShareMenu
from tests.chat import Chat
from tests.volunteering import BOT, WEB, links_engine, walk_guide

zbar = pytest.importorskip(
    "pyzbar.pyzbar", reason="Debian's libzbar0 is missing: scripts/ensure-report-tools installs it"
)
GUIDE = "bluezone.reactivate"


def scan(png: bytes) -> str:
    """What a phone camera reads from the poster."""
    found = [s.data.decode() for s in zbar.decode(Image.open(io.BytesIO(png)))]
    assert len(found) == 1
    return found[0]


def poster(content: Content, link: str, referral: str) -> bytes:
    """The poster `helpdesk volunteer poster` (and the admin pages) make for a link."""
    item = shareable(content, "guide", GUIDE, "vi")
    assert item is not None
    operator = content.operator.name.get("vi") if content.operator else ""
    catalog = translations(PROJECT_ROOT / "locales", "vi")
    return poster_png(poster_text(item, link, referral, operator, catalog.gettext))


async def test_a_poster_brings_people_who_are_counted_for_the_volunteer_and_the_campaign(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    engine = await links_engine(tmp_path, content, understander, ADMIN_TELEGRAM_IDS="900")
    try:
        admin = Chat(engine, user="900", channel="telegram")
        await admin.say("/invite Tỉnh đoàn Quảng Ngãi 10")
        code = (await engine.database.run(store.invitations))[0].code
        assert code in admin.text
        today = dt.datetime.now(dt.UTC).date()
        campaign = await engine.database.run(
            create_campaign,
            "Kích hoạt lại Bluezone",
            "quang-ngai",
            [GUIDE],
            ["cán bộ"],
            today - dt.timedelta(days=7),
            today + dt.timedelta(days=7),
            "test",
        )

        # The volunteer opens the invitation's Telegram link and shares the guide.
        volunteer = Chat(engine, user="vol", channel="telegram")
        await volunteer.say(f"/start join_{code}")
        await volunteer.tap(ShareMenu().pack())
        await volunteer.tap(ShareItem("guide", GUIDE).pack())
        card, links = (
            volunteer.replies[0].text,
            [lk.url for r in volunteer.replies for lk in r.links],
        )
        web_link = next(url for url in links if url.startswith(WEB))
        telegram_link = next(url for url in links if url.startswith(f"https://t.me/{BOT}"))
        assert web_link in card and telegram_link in card
        referral = dict(parse_qsl(urlsplit(web_link).query))["ref"]
        assert ShareLinks(WEB, BOT).item("guide", GUIDE, referral).web == web_link

        # A citizen scans the web poster: the page sends /start with the link's payload.
        scanned = scan(poster(content, web_link, referral))
        assert scanned == web_link
        citizen = Chat(engine, user="web-session-0001", channel="web")
        payload = web_start_payload(dict(parse_qsl(urlsplit(scanned).query)))
        assert payload == f"ref_{referral}_guide_bluezone-reactivate"
        await citizen.say(f"/start {payload}")
        await citizen.press("Android")
        await walk_guide(citizen, GUIDE)
        assert ReportDone(GUIDE).pack() in {b.action for b in citizen.buttons}
        await citizen.tap(ReportDone(GUIDE).pack())
        assert ReportProvince(GUIDE, "quang-ngai").pack() in {b.action for b in citizen.buttons}
        await citizen.tap(ReportProvince(GUIDE, "quang-ngai").pack())
        await citizen.tap(
            next(b.action for b in citizen.buttons if b.action.endswith(":tinh-doan"))
        )

        # Another scans the Telegram poster, starts the guide, and stops halfway.
        scanned = scan(poster(content, telegram_link, referral))
        start = dict(parse_qsl(urlsplit(scanned).query))["start"]
        other = Chat(engine, user="555", channel="telegram")
        await other.tap("p:quang-ngai")
        await other.say(f"/start {start}")
        await other.press("iPhone")

        # The volunteer sees both, by week.
        await volunteer.tap("l:en")
        await volunteer.say("/myimpact")
        assert "2 started, 1 completed a guide" in volunteer.text

        # The campaign report shows them, by agency.
        report = await engine.database.run(
            campaign_report, campaign.id, content, "vi", "Chưa nêu", dt.datetime.now(dt.UTC)
        )
        assert report is not None
        agencies = {row.unit: row.figures for row in report.by_agency}
        assert agencies["tinh-doan"] == Figures(started=1, completed=1, reported=1)
        assert agencies[None] == Figures(started=1, completed=0, reported=0)
        assert report.total == Figures(started=2, completed=1, reported=1)
        exported = to_csv(report_table(report, ["Hướng dẫn kích hoạt lại Bluezone"], str))
        assert "Tỉnh đoàn Quảng Ngãi,1,1,1" in exported
    finally:
        await engine.database.dispose()
