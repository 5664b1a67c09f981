"""Both webhooks with auth headers that are not UTF-8 (401/403, never a 500), and refusals
logged with the client's address, at most once a minute per address, never the body."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.content import Content
from bot.matcher import Understander
from channels.zalo import wire
from tests import test_telegram, test_zalo
from tests.raw_http import raw_post

ODD_BYTES = [b"\xff\xfe\xfd", b"mac=\x80" + b"a" * 63, b"\xc3\x28", b"\xed\xa0\x80"]


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every traceback logged (aiohttp logs a handler's unhandled exception with one)."""
    return [r.getMessage() for r in caplog.records if r.exc_info or r.name.startswith("aiohttp")]


async def test_telegram_secret_header_that_is_not_utf8_is_a_wrong_secret(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with test_telegram.running(tmp_path, content, understander, webhook=True) as bot:
        update = json.dumps(bot.fake.text_update("/start", 1001)).encode()
        secret = test_telegram.SECRET.encode()
        for odd in ODD_BYTES:
            headers = [
                (b"Content-Type", b"application/json"),
                (b"X-Telegram-Bot-Api-Secret-Token", odd + secret[len(odd) :]),
            ]
            assert await raw_post(bot.port, "/telegram/webhook", headers, update) == 403
        right = [(b"X-Telegram-Bot-Api-Secret-Token", secret)]
        assert await raw_post(bot.port, "/telegram/webhook", right, update) == 200
    assert errors(caplog) == []


async def test_zalo_signature_or_timestamp_header_that_is_not_utf8_is_refused(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with test_zalo.running(tmp_path, content, understander) as zalo:
        body, good = zalo.fake.signed(zalo.fake.event("user_send_text", "9301", text="hi"))
        signature = good[wire.SIGNATURE_HEADER].encode()
        for odd in ODD_BYTES:
            bad_signature = [(wire.SIGNATURE_HEADER.encode(), odd)]
            assert await raw_post(zalo.port, "/zalo/webhook", bad_signature, body) == 401
            both_odd = [*bad_signature, (wire.TIMESTAMP_HEADER.encode(), odd)]
            assert await raw_post(zalo.port, "/zalo/webhook", both_odd, body) == 401
        assert not zalo.fake.sent("9301")
        # An odd timestamp header is tried, never matches, and the body's timestamp (which
        # this event was signed with) still verifies.
        odd_stamp = [
            (wire.SIGNATURE_HEADER.encode(), signature),
            (wire.TIMESTAMP_HEADER.encode(), ODD_BYTES[0]),
        ]
        assert await raw_post(zalo.port, "/zalo/webhook", odd_stamp, body) == 200
        await zalo.channel.idle()
        assert zalo.fake.sent("9301")
    assert errors(caplog) == []


async def test_a_signed_zalo_event_with_a_lone_surrogate_is_stored_and_handled_once(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`\\udfff` in the JSON is read as U+FFFD, so the message id can be stored (as is, no
    database takes it) and a redelivery is still recognised."""
    async with test_zalo.running(tmp_path, content, understander) as zalo:
        event = zalo.fake.event("user_send_text", "9302", text="cai bluezone \ud800")
        event["message"]["msg_id"] = "id-\udfff"
        raw = json.dumps(event).encode()  # ASCII, with the surrogates escaped
        assert b"\\udfff" in raw
        mac = wire.signature(zalo.fake.app_id, raw, event["timestamp"], zalo.fake.oa_secret_key)
        headers = {"Content-Type": "application/json", wire.SIGNATURE_HEADER: f"mac={mac}"}
        assert await zalo.post_raw(raw, headers) == 200
        answered = len(zalo.fake.sent("9302"))
        assert answered, "answered"
        assert await zalo.post_raw(raw, headers) == 200, "a redelivery"
        assert len(zalo.fake.sent("9302")) == answered, "handled once"
    assert errors(caplog) == []


async def test_zalo_refusals_are_logged_with_the_address_once_a_minute(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with test_zalo.running(tmp_path, content, understander) as zalo:
        secret_text = b'{"message": {"text": "my phone number is 0912345678"}}'
        attacker = {"X-Forwarded-For": "198.51.100.23", "Content-Type": "application/json"}
        with caplog.at_level(logging.WARNING, logger="channels.zalo.adapter"):
            for _ in range(5):
                assert await zalo.post_raw(secret_text, attacker) == 401
            other = {**attacker, "X-Forwarded-For": "203.0.113.77"}
            assert await zalo.post_raw(secret_text, other) == 401
    lines = [r.getMessage() for r in caplog.records if "zalo webhook" in r.getMessage()]
    assert len(lines) == 2
    assert "198.51.100.23" in lines[0] and "(401)" in lines[0] and "no signature" in lines[0]
    assert "203.0.113.77" in lines[1]
    assert not any("0912345678" in line for line in lines), "never the body"


async def test_malformed_http_is_a_warning_a_minute_not_a_traceback_each(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """aiohttp answers a header with a control character 400 itself, and would log each one
    as an error with a traceback; the server turns that into one warning a minute."""
    async with test_zalo.running(tmp_path, content, understander) as zalo:
        with caplog.at_level(logging.WARNING):
            for path in ("/zalo/webhook", "/api/chat", "/zalo/webhook"):
                odd = [(b"X-Anything", b"a\x00b"), (b"Content-Type", b"application/json")]
                assert await raw_post(zalo.port, path, odd, b"{}") == 400
        async with zalo.session.get(zalo.url.replace("/zalo/webhook", "/healthz")) as response:
            assert response.status == 200
    assert errors(caplog) == []
    lines = [r.getMessage() for r in caplog.records if "malformed HTTP" in r.getMessage()]
    assert len(lines) == 1 and "127.0.0.1 (400)" in lines[0], lines
