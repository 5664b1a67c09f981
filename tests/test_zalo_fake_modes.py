"""The fake Zalo's modes behave as the variants of the real API they stand for (so that the
channel's tests under those modes mean something)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.fake_zalo import DOCUMENTED_ERRORS, ERROR_MESSAGES, MODES, SEND_PATH, FakeZalo
from tests.local_server import serve

USER = "2512345678901234567"
BUTTONS = {
    "type": "template",
    "payload": {"buttons": [{"title": "Menu", "type": "oa.query.hide", "payload": "#hd:menu"}]},
}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def send(fake: FakeZalo, http: aiohttp.ClientSession, message: dict[str, Any]) -> int:
    body = {"recipient": {"user_id": USER}, "message": message}
    async with http.post(
        f"{fake.base_url}{SEND_PATH}", json=body, headers={"access_token": fake.access_token}
    ) as response:
        answer: dict[str, Any] = await response.json()
        error = answer["error"]
        assert isinstance(error, int)
        return error


def test_modes_are_checked() -> None:
    assert MODES == ("accepting", "refuses_templates", "header_timestamp", "quota")
    with pytest.raises(ValueError, match="mode"):
        FakeZalo(mode="lenient")


async def test_refuses_templates_but_not_text(http: aiohttp.ClientSession) -> None:
    async with FakeZalo(mode="refuses_templates") as fake:
        assert await send(fake, http, {"text": "x", "attachment": BUTTONS}) == -233
        assert await send(fake, http, {"text": "1. Menu"}) == 0
    async with FakeZalo() as fake:
        assert await send(fake, http, {"text": "x", "attachment": BUTTONS}) == 0


def test_header_timestamp_signing_uses_a_different_timestamp_than_the_body() -> None:
    fake = FakeZalo(mode="header_timestamp")
    event = fake.event("user_send_text", USER, text="hi")
    raw, headers = fake.signed(event)
    header_stamp = headers["X-ZEvent-Timestamp"]
    assert header_stamp != event["timestamp"]
    signed = hashlib.sha256(
        (fake.app_id + raw.decode() + header_stamp + fake.oa_secret_key).encode()
    ).hexdigest()
    assert headers["X-ZEvent-Signature"] == f"mac={signed}"
    _, plain = FakeZalo().signed(event)
    assert "X-ZEvent-Timestamp" not in plain


async def test_quota_allows_eight_replies_per_user_message_within_48_hours(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeZalo(mode="quota") as fake:
        assert await send(fake, http, {"text": "hello"}) == -232, "never wrote: proactive"
        event = fake.event("user_send_text", USER, text="hi")
        quoted = {"text": "ok", "quote_message_id": event["message"]["msg_id"]}
        assert [await send(fake, http, quoted) for _ in range(8)] == [0] * 8
        assert await send(fake, http, {"text": "ninth"}) == -218
        fake.event("user_send_text", USER, text="again")  # a new message: 8 more
        assert await send(fake, http, {"text": "ok"}) == 0
        fake.advance(hours=49)
        assert await send(fake, http, {"text": "late"}) == -232, "outside the window"
        assert await send(fake, http, {"text": "x", "quote_message_id": "nope"}) == -201


async def test_every_documented_error_on_demand(http: aiohttp.ClientSession) -> None:
    async with FakeZalo() as fake:
        for code in DOCUMENTED_ERRORS:
            fake.fail_next(code)
            assert await send(fake, http, {"text": "x"}) == code
        assert ERROR_MESSAGES[-227].startswith("User is banned")


async def test_probe_posts_an_unsigned_empty_object() -> None:
    seen: list[tuple[bytes, dict[str, str]]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append((await request.read(), dict(request.headers)))
        return web.json_response({})

    runner, address = await serve(record)
    try:
        assert await FakeZalo().probe(f"{address}/zalo/webhook") == 200
    finally:
        await runner.cleanup()
    ((body, headers),) = seen
    assert body == b"{}" and "X-ZEvent-Signature" not in headers


def test_advance_moves_the_clock_and_event_timestamps() -> None:
    fake = FakeZalo()
    before = fake.now_ms()
    fake.advance(hours=2)
    assert fake.now_ms() - before >= 2 * 3600 * 1000
    assert int(fake.event("follow", USER)["timestamp"]) >= before + 2 * 3600 * 1000
