"""The web chat under hostile input and floods: a 4xx with a JSON error for every malformed
request (never a 500), 429 with Retry-After past the per-person and per-address limits."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.engine import Engine
from bot.server import create_app
from bot.settings import Settings, SettingsError
from channels.web.limits import ADDRESS, SESSION, WebLimits
from channels.web.routes import WEB_CHAT_KEY
from tests.test_web_api import Client, refused

Serve = Callable[..., Awaitable[Client]]


@pytest.fixture
def serve(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
    engine: Engine,
    tmp_path: Path,
) -> Serve:
    """A client of the whole server, with these settings (environment variables)."""

    async def start(**env: str) -> Client:
        database = f"sqlite+aiosqlite:///{tmp_path / 'helpdesk.db'}"
        settings = Settings.from_env({"DATABASE_URL": database, **env})
        return await aiohttp_client(await create_app(engine, settings))

    return start


def hand_clock(client: Client) -> list[float]:
    """Make the web chat's limits read a clock the test moves by hand."""
    now = [1000.0]
    flood = client.app[WEB_CHAT_KEY].flood
    flood.sessions.clock = flood.addresses.clock = lambda: now[0]
    return now


async def say(client: Client, session: str, text: str = "cai bluezone", **headers: str) -> Any:
    """One typed message; the raw response."""
    return await client.post(
        "/api/chat", json={"session": session, "text": text}, headers=headers or None
    )


# --- malformed requests ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"[" * 50_000, "nests deeper"),
        (b'{"session": "abcdefgh", "text": ' + b"[" * 40 + b"]" * 40 + b"}", "nests deeper"),
        (b'{"session": "abcdefgh", "text": ' + b"7" * 5000 + b"}", "not valid JSON"),
        (b'{"session": ' + b"7" * 4000 + b', "text": "hi"}', "session"),
        (b'{"session": "abcdefgh", "text": NaN}', "not valid JSON"),
        (b'{"session": "abcdefgh", "text": 1e999}', "not valid JSON"),
        (b'{"session": "abcdefgh", "text": "hi", "locale": {"a": [1]}}', None),
        (b'{"session": ["abcdefgh"], "text": "hi"}', "session"),
        (b'{"session": "abcdefgh", "action": {"x": 1}}', "action"),
        (b"\xef\xbb\xbf{}", "not valid JSON"),
    ],
    ids=[
        "deep-array",
        "deep-text",
        "5000-digits",
        "4000-digit-session",
        "nan",
        "infinite",
        "locale-object",
        "session-list",
        "action-object",
        "byte-order-mark",
    ],
)
async def test_malformed_json_gets_400_with_a_json_error(
    serve: Serve, caplog: pytest.LogCaptureFixture, body: bytes, error: str | None
) -> None:
    client = await serve()
    response = await client.post(
        "/api/chat", data=body, headers={"Content-Type": "application/json"}
    )
    if error is None:  # an odd field that is simply not used
        assert response.status == 200, await response.text()
    else:
        assert error in await refused(response, 400)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no traceback"
    assert (await say(client, "after-the-bad-one")).status == 200


async def test_a_huge_body_gets_413_before_it_is_parsed(serve: Serve) -> None:
    client = await serve()
    body = b'{"session": "abcdefgh", "text": "' + b"a" * 200_000 + b'"}'
    response = await client.post(
        "/api/chat", data=body, headers={"Content-Type": "application/json"}
    )
    await refused(response, 413)


# --- floods ---------------------------------------------------------------------------


async def test_one_person_past_the_limit_gets_429_and_others_do_not(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    client = await serve(WEB_SESSION_PER_MINUTE="6", WEB_SESSION_BURST="3")
    now = hand_clock(client)
    assert [(await say(client, "flooding-person")).status for _ in range(3)] == [200] * 3
    with caplog.at_level(logging.WARNING, logger="channels.web.routes"):
        response = await say(client, "flooding-person")
        await say(client, "flooding-person")
    assert "wait 10 s" in await refused(response, 429)
    assert response.headers["Retry-After"] == "10"
    assert (await response.json())["retry_after"] == 10
    assert (await say(client, "another-person")).status == 200, "someone else goes on"
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "127.0.0.1" in lines[0], "one line a minute per address"
    assert "cai bluezone" not in lines[0], "never what was said"

    now[0] += 10.0  # one more message allowed
    response = await say(client, "flooding-person")
    assert response.status == 200
    assert (await response.json())["replies"], "answered normally again"
    assert (await say(client, "flooding-person")).status == 429


async def test_one_address_past_its_limit_gets_429_even_with_new_sessions(serve: Serve) -> None:
    client = await serve(WEB_ADDRESS_PER_MINUTE="60", WEB_ADDRESS_BURST="4")
    now = hand_clock(client)
    sprayer = {"X-Forwarded-For": "198.51.100.9"}  # as our proxy on this machine reports it
    statuses = [(await say(client, f"new-session-{n}", **sprayer)).status for n in range(5)]
    assert statuses == [200] * 4 + [429]
    # Counted before the body is read: a broken request counts, and is refused as flooding.
    response = await client.post("/api/chat", data=b"{", headers=sprayer)
    assert response.status == 429 and response.headers["Retry-After"] == "1"
    other = {"X-Forwarded-For": "203.0.113.5"}
    assert (await say(client, "somebody-else", **other)).status == 200
    now[0] += 1.0
    assert (await say(client, "new-session-9", **sprayer)).status == 200


async def test_a_client_cannot_dodge_the_limit_with_a_forwarded_header(serve: Serve) -> None:
    """From an address that is not a trusted proxy, X-Forwarded-For is the client's claim."""
    for trusted in ("none", "192.0.2.1"):  # the test client connects from 127.0.0.1
        client = await serve(
            WEB_ADDRESS_PER_MINUTE="60", WEB_ADDRESS_BURST="2", TRUSTED_PROXIES=trusted
        )
        hand_clock(client)
        statuses = [
            (await say(client, f"dodger-{n}", **{"X-Forwarded-For": f"10.0.0.{n}"})).status
            for n in range(3)
        ]
        assert statuses == [200, 200, 429], trusted


async def test_zero_turns_a_limit_off(serve: Serve) -> None:
    client = await serve(WEB_SESSION_PER_MINUTE="0", WEB_ADDRESS_PER_MINUTE="0")
    hand_clock(client)
    statuses = {(await say(client, "unlimited", text="hi")).status for _ in range(40)}
    assert statuses == {200}


def test_the_limits_have_sane_defaults_and_wrong_values_are_named() -> None:
    assert WebLimits.from_env({}) == WebLimits(session=SESSION, address=ADDRESS)
    assert SESSION.burst >= 5 and SESSION.per_minute >= 10, "a person tapping through a guide"
    assert ADDRESS.per_minute >= 20 * SESSION.per_minute, "many people behind one NAT"
    for name, value in [
        ("WEB_SESSION_PER_MINUTE", "lots"),
        ("WEB_SESSION_BURST", "0"),
        ("WEB_ADDRESS_PER_MINUTE", "-1"),
        ("WEB_ADDRESS_BURST", "1.5"),
    ]:
        with pytest.raises(SettingsError, match=name):
            WebLimits.from_env({name: value})
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        Settings.from_env({"TRUSTED_PROXIES": "127.0.0.1, nginx"})


async def test_the_page_has_words_for_slowing_down(serve: Serve) -> None:
    client = await serve()
    html = await (await client.get("/", params={"lang": "en"})).text()
    assert 'data-slow="You are writing faster than I can answer.' in html
    script = await (await client.get("/static/chat.js")).text()
    assert "response.status === 429" in script and "words.slow" in script
