"""Posters and cards: the QR code read back from the image gives the volunteer's link, the page
is A4, the Vietnamese letters have glyphs, and the card fits in one message everywhere."""

from __future__ import annotations

import asyncio
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from bot.content import Content
from bot.i18n import translations
from bot.settings import PROJECT_ROOT
from bot.storage import Database
from bot.volunteers.card import card_text, shareable
from bot.volunteers.links import LinkKind, ShareLinks
from bot.volunteers.poster import A4, _font, poster_pdf, poster_png, poster_text
from bot.volunteers.store import create_invitation, redeem

zbar = pytest.importorskip(
    "pyzbar.pyzbar", reason="Debian's libzbar0 is missing: scripts/ensure-report-tools installs it"
)

LINKS = ShareLinks(web="https://helpdesk.example.gov.vn", telegram_bot="HelpdeskQN_bot")
CODE = "K7M2QX"


def decoded(png: bytes) -> list[str]:
    """Every QR code found in the image, as text."""
    found = zbar.decode(Image.open(io.BytesIO(png)))
    return [symbol.data.decode() for symbol in found if symbol.type == "QRCODE"]


def poster_for(
    content: Content, kind: LinkKind, item_id: str, via: str = "web"
) -> tuple[bytes, str]:
    item = shareable(content, kind, item_id, "vi")
    assert item is not None
    links = LINKS.item(kind, item_id, CODE)
    link = links.web if via == "web" else links.telegram
    assert link is not None
    operator = content.operator.name.get("vi") if content.operator else ""
    text = poster_text(
        item, link, CODE, operator, translations(PROJECT_ROOT / "locales", "vi").gettext
    )
    return poster_png(text), link


def test_the_qr_code_of_every_guide_poster_gives_back_its_link(content: Content) -> None:
    for guide_id in content.guides:
        for via in ("web", "telegram"):
            png, link = poster_for(content, "guide", guide_id, via)
            assert decoded(png) == [link], (guide_id, via)
            assert CODE in link


def test_topic_posters_too(content: Content) -> None:
    for topic_id in ("bluezone.otp", "qr.scan", "ncovi.declare_for_others"):
        png, link = poster_for(content, "topic", topic_id)
        assert decoded(png) == [link]
        assert f"topic={topic_id}" in link


def test_the_poster_is_a4(content: Content) -> None:
    png, _ = poster_for(content, "guide", "bluezone.reactivate")
    image = Image.open(io.BytesIO(png))
    assert image.size == A4 == (1240, 1754)
    assert [round(d) for d in image.info["dpi"]] == [150, 150]
    item = shareable(content, "guide", "bluezone.reactivate", "vi")
    assert item is not None
    pdf = poster_pdf(poster_text(item, "https://x.example/", CODE, "", str))
    assert (
        pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") == 1
    )
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box is not None
    width, height = float(box.group(1)), float(box.group(2))
    assert abs(width - 595.28) < 1 and abs(height - 841.89) < 1, "A4 in points"


def drawn(font: ImageFont.FreeTypeFont, letter: str) -> bytes:
    image = Image.new("L", (80, 80))
    ImageDraw.Draw(image).text((10, 10), letter, font=font, fill=255)
    return image.tobytes()


def test_every_vietnamese_letter_on_the_posters_has_a_glyph(content: Content) -> None:
    letters: set[str] = set()
    for kind, ids in (("guide", content.guides), ("topic", content.topics)):
        for item_id in ids:
            item = shareable(content, kind, item_id, "vi")  # type: ignore[arg-type]
            if item is not None:
                letters.update("".join((item.title, *item.steps)))
    letters -= {" ", "\n"}
    assert {"ạ", "ộ", "ữ", "ẫ", "Đ"} <= letters
    for bold in (False, True):
        font = _font(bold, 40)
        missing = drawn(font, "\U0010fffd")  # a private-use character: the "no glyph" shape
        blank = drawn(font, " ")
        assert [c for c in sorted(letters) if drawn(font, c) in (missing, blank)] == []


def test_the_card_is_one_message_that_fits_every_channel(content: Content) -> None:
    catalog = translations(PROJECT_ROOT / "locales", "vi")
    for kind, ids in (("guide", content.guides), ("topic", content.topics)):
        for item_id in ids:
            item = shareable(content, kind, item_id, "vi")  # type: ignore[arg-type]
            if item is None:
                continue
            links = LINKS.item(item.kind, item_id, CODE)
            card = card_text(item, links, catalog.gettext)
            assert len(card) <= 2000, item_id  # Zalo's limit, the smallest
            assert card.startswith(f"**{item.title}**") and "1. " in card
            assert links.web in card and links.telegram in card  # type: ignore[operator]
            assert "zalo.me" not in card  # an OA link cannot carry the code


def test_the_cli_writes_a_poster_of_a_volunteers_link(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    async def make_volunteer() -> str:
        database = Database(url)
        await database.upgrade()
        import datetime as dt

        from sqlalchemy import insert

        from bot.storage.models import User

        now = dt.datetime.now(dt.UTC)
        made = await database.run(create_invitation, "Tỉnh đoàn", 1, None, "test", now)

        def person(connection):  # type: ignore[no-untyped-def]
            return connection.execute(
                insert(User).values(channel="telegram", external_id="v").returning(User.id)
            ).scalar_one()

        user = await database.run(person)
        _, volunteer = await database.run(redeem, user, made.code, now)
        await database.dispose()
        assert volunteer is not None and volunteer.referral_code
        return volunteer.referral_code

    code = asyncio.run(make_volunteer())
    env = {**os.environ, "DATABASE_URL": url, "PUBLIC_URL": "https://hd.example.gov.vn"}
    out = tmp_path / "poster.png"
    args = ["volunteer", "poster", "--code", code, "--guide", "bluezone.install"]
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args, "--format", "png", "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert decoded(out.read_bytes()) == [
        f"https://hd.example.gov.vn/?guide=bluezone.install&ref={code}"
    ]
    refused = subprocess.run(
        [sys.executable, "-m", "bot", *args, "--via", "telegram", "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert refused.returncode != 0 and "TELEGRAM_BOT_USERNAME" in refused.stderr
