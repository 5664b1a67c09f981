"""The web side of volunteering: a shared web link (`/?guide=...&ref=...`) records the
referral when the page sends its `/start`, and a volunteer's personal page `/v/{token}` with
their impact by week, their links and their posters (and nothing about anyone else)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.content import Content
from bot.engine import Engine
from bot.matcher import Understander
from bot.server import create_app
from bot.settings import PROJECT_ROOT, Settings
from bot.storage.volunteer_tables import Referral
from bot.volunteers.links import REFERRAL, web_start_payload
from bot.volunteers.store import VolunteerInfo
from tests.chat import fetch_all
from tests.volunteering import BOT, WEB, active, links_engine, volunteer

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]
GUIDE = "bluezone.install"


@pytest.fixture
async def linked(
    tmp_path: Path, content: Content, understander: Understander
) -> AsyncIterator[Engine]:
    built = await links_engine(tmp_path, content, understander)
    yield built
    await built.database.dispose()


@pytest.fixture
async def client(aiohttp_client: MakeClient, linked: Engine, tmp_path: Path) -> Client:
    """The whole server, its links pointing to WEB and to the Telegram bot BOT."""
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'volunteers.db'}",
            "PUBLIC_URL": WEB,
            "TELEGRAM_BOT_USERNAME": BOT,
        }
    )
    return await aiohttp_client(await create_app(linked, settings))


async def chat_turn(client: Client, session: str, text: str) -> list[dict[str, object]]:
    response = await client.post("/api/chat", json={"session": session, "text": text})
    assert response.status == 200, await response.text()
    replies: list[dict[str, object]] = (await response.json())["replies"]
    return replies


async def the_volunteer(engine: Engine, code: str) -> VolunteerInfo:
    return next(v for v in await active(engine) if v.referral_code == code)


async def test_a_web_link_with_a_code_records_the_referral(client: Client, linked: Engine) -> None:
    _, code = await volunteer(linked, "vol-web")
    shared = urlsplit(f"{WEB}/?guide={GUIDE}&ref={code}")
    payload = web_start_payload(dict(parse_qsl(shared.query)))
    assert payload == f"ref_{code}_guide_bluezone-install"
    replies = await chat_turn(client, "visitor-session-1", f"/start {payload}")
    assert replies, "the guide opens"
    rows = await fetch_all(linked.database, select(Referral))
    mine = await the_volunteer(linked, code)
    assert [(row.volunteer_id, row.item) for row in rows] == [(mine.user_id, f"guide:{GUIDE}")]
    # The page builds the same payload: the same code pattern, the code first.
    script = (PROJECT_ROOT / "channels/web/static/chat.js").read_text(encoding="utf-8")
    assert f"var REFERRAL = /{REFERRAL.pattern}/;" in script
    assert '"ref_" + ref + "_" + payload' in script


async def test_the_volunteer_page_shows_their_impact_links_and_posters(
    client: Client, linked: Engine
) -> None:
    _, code = await volunteer(linked, "vol-page")
    _, other_code = await volunteer(linked, "vol-other")
    await chat_turn(client, "visitor-session-2", f"/start ref_{code}_guide_bluezone-install")
    await chat_turn(client, "visitor-session-3", f"/start ref_{other_code}_guide_qr-scan")
    mine = await the_volunteer(linked, code)
    assert mine.token is not None

    opened = await client.get(f"/v/{mine.token}", headers={"Accept-Language": "en"})
    page = await opened.text()
    assert opened.status == 200, page
    assert opened.headers["Cache-Control"] == "no-store"
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    assert "People who started through your links: 1. Of them, completed a guide: 0." in page
    assert f"{WEB}/?guide={GUIDE}&amp;ref={code}" in page
    assert other_code not in page, "nothing about other volunteers"
    assert "vol-page" not in page and "visitor-session" not in page
    poster = re.search(rf'href="(/v/{re.escape(mine.token)}/poster/{GUIDE}\.png[^"]*)"', page)
    assert poster is not None

    png = await client.get(poster.group(1).replace("&amp;", "&"))
    assert png.status == 200
    assert png.content_type == "image/png"
    assert (await png.read()).startswith(b"\x89PNG")
    pdf = await client.get(f"/v/{mine.token}/poster/{GUIDE}.pdf")
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    assert (await pdf.read()).startswith(b"%PDF")
    assert f"{code}.pdf" in pdf.headers["Content-Disposition"]


async def test_an_unknown_token_or_guide_is_not_found(client: Client, linked: Engine) -> None:
    _, code = await volunteer(linked, "vol-404")
    mine = await the_volunteer(linked, code)
    for address in (
        "/v/not-a-token-at-all-but-long-enough",
        "/v/x",
        f"/v/{mine.token}/poster/no.such.guide.png",
        f"/v/{code}",  # the public referral code does not open the page
    ):
        response = await client.get(address)
        assert response.status == 404, address
        assert code not in await response.text()
