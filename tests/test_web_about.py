"""The web chat's /about page: who runs it, what is kept, how to delete it, every hotline."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.content import Content
from bot.engine import Engine
from bot.messages import Contact
from bot.server import create_app
from bot.settings import Settings

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]


@pytest.fixture
async def client(aiohttp_client: MakeClient, engine: Engine, settings: Settings) -> Client:
    return await aiohttp_client(await create_app(engine, settings))


async def about(client: Client, **params: str) -> str:
    response = await client.get("/about", params=params)
    assert response.status == 200
    assert response.content_type == "text/html"
    return await response.text()


def text_of(page: str) -> str:
    """The page's words as a reader sees them: tags dropped, entities decoded, spaces joined."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def test_about_has_the_chat_pages_security_headers(client: Client) -> None:
    response = await client.get("/about")
    chat = await client.get("/")
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert response.headers.get(header) == chat.headers.get(header), header
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    page = await response.text()
    # Its only script is a file of our own: nothing inline.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/about.js">']
    assert "style=" not in page


async def test_about_names_the_operator_with_a_link(client: Client) -> None:
    page = await about(client)
    assert (
        '<a href="https://quangngai.gov.vn/web/so-thong-tin-va-truyen-thong" '
        'rel="noopener noreferrer">Sở Thông tin và Truyền thông Quảng Ngãi</a>'
    ) in page
    assert '<a class="page__back" href="/?lang=vi">← Quay lại khung trò chuyện</a>' in page


async def test_about_says_what_is_kept_and_for_how_long(client: Client) -> None:
    words = text_of(await about(client))
    assert "Tỉnh và ngôn ngữ của bạn" in words
    assert "trong hướng dẫn" in words
    assert "Tin nhắn bạn gõ được lưu 30 ngày" in words
    assert "không bao giờ hỏi tên hay số điện thoại" in words


@pytest.mark.parametrize(
    ("days", "vietnamese", "english"),
    [
        ("7", "Tin nhắn bạn gõ được lưu 7 ngày", "kept for 7 days"),
        ("1", "Tin nhắn bạn gõ được lưu 1 ngày", "kept for 1 day,"),
        ("0", "Tin nhắn bạn gõ không được lưu lại", "The messages you type are not kept."),
    ],
)
async def test_about_follows_the_retention_setting(
    aiohttp_client: MakeClient,
    engine: Engine,
    tmp_path: Path,
    days: str,
    vietnamese: str,
    english: str,
) -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'other.db'}",
            "MESSAGE_RETENTION_DAYS": days,
        }
    )
    client = await aiohttp_client(await create_app(engine, settings))
    assert vietnamese in text_of(await about(client))
    assert english in text_of(await about(client, lang="en"))


async def test_about_tells_how_to_delete_ones_data(client: Client) -> None:
    page = await about(client)
    assert '<button type="button" id="delete-data">Xóa dữ liệu của tôi</button>' in page
    assert "/xoadulieu" in page and "/deletedata" in page
    script = await client.get("/static/about.js")
    assert script.status == 200
    code = await script.text()
    assert '"helpdesk-session"' in code and '"del:yes"' in code and "/api/chat" in code
    assert "innerHTML" not in code


async def test_about_lists_every_provinces_hotlines_as_tappable_numbers(
    client: Client, content: Content
) -> None:
    page = await about(client)
    words = text_of(page)
    with_numbers = [p for p in content.provinces.values() if p.hotlines]
    assert {p.id for p in with_numbers} >= {"quang-ngai", "soc-trang"}
    for province in with_numbers:
        assert f"<h3>{province.name.get('vi')}</h3>" in page
        for hotline in province.hotlines:
            dial = Contact(name="", phone=hotline.phone).dial
            assert f'<a class="contact__phone" href="tel:{dial}">☎ {hotline.phone}</a>' in page
            assert hotline.name.get("vi") in words
            assert hotline.role.get("vi") in words
    # No letter gives office hours, and the page does not invent them.
    hotline_count = sum(len(p.hotlines) for p in with_numbers)
    assert words.count("Giờ làm việc: công văn không nêu.") == hotline_count
    # Provinces without a number are not listed as if they had one.
    assert "<h3>An Giang</h3>" not in page


async def test_about_gives_the_health_line_for_symptoms_only(
    client: Client, content: Content
) -> None:
    page = await about(client)
    line = content.health_hotline
    dial = Contact(name="", phone=line.phone).dial
    assert f'href="tel:{dial}">☎ {line.phone}</a>' in page
    words = text_of(page)
    assert "Đường dây sức khỏe" in words
    assert "không phải để hỗ trợ ứng dụng" in words


async def test_about_links_the_official_sites(client: Client, content: Content) -> None:
    page = await about(client)
    for site in content.sites.values():
        assert f'<a href="{site.url}" rel="noopener noreferrer">{site.label.get("vi")}</a>' in page


async def test_about_in_english(client: Client) -> None:
    page = await about(client, lang="en")
    words = text_of(page)
    assert '<html lang="en">' in page
    assert "What is stored, and for how long" in words
    assert "Quảng Ngãi Department of Information and Communications" in words
    assert "Office hours: not stated in the letter." in words
    assert "Ministry of Health hotline" in words
    assert "Tỉnh và ngôn ngữ" not in words
    by_header = await client.get("/about", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in await by_header.text()


async def test_office_hours_are_shown_when_a_letter_gives_them(
    engine: Engine, settings: Settings, aiohttp_client: MakeClient
) -> None:
    """Hours come from the content, and only a hotline whose letter gives them shows them."""
    from dataclasses import replace as replaced

    from bot.content import Localized

    province = engine.content.provinces["soc-trang"]
    line = replaced(province.hotlines[0], hours=Localized({"vi": "7h-17h", "en": "7am-5pm"}))
    provinces = dict(engine.content.provinces)
    provinces["soc-trang"] = replaced(province, hotlines=(line,))
    engine.content = replaced(engine.content, provinces=provinces)
    engine.responder.content = engine.content
    client = await aiohttp_client(await create_app(engine, settings))
    page = text_of(await about(client))
    assert "Giờ làm việc: 7h-17h" in page
    assert page.count("Giờ làm việc: công văn không nêu.") == 2, "the two Quảng Ngãi lines"


async def test_about_lists_every_source_and_the_campaigns_status(
    client: Client, content: Content
) -> None:
    """Every fact shown can be traced: the sources, with their dates and links, are listed."""
    page = await about(client)
    words = text_of(page)
    for source in content.sources.values():
        assert html_lib.unescape(source.title) in words or source.title in words, source.id
        if source.url:
            assert f'href="{html_lib.escape(source.url)}"' in page, source.id
    campaign = content.campaign
    assert campaign is not None and campaign.note is not None
    assert campaign.note.get("vi") in words
