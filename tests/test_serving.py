"""Slow and silent clients are cut off by the server's own limits (bot/serving.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from bot import serving
from bot.app import build_engine
from bot.content import Content
from bot.engine import Engine
from bot.matcher import Understander
from bot.server import create_app
from bot.settings import Settings

IDLE, BODY = 1, 1  # seconds: the settings under test
MARGIN = 3.0  # how much later than the setting a cut may come on a busy machine


@dataclass
class Served:
    """A running `helpdesk serve`-like server and its address."""

    host: str
    port: int
    app: web.Application

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A raw TCP connection to the server."""
        return await asyncio.open_connection(self.host, self.port)

    async def get(self, path: str) -> bytes:
        """A whole GET request on its own connection; the raw response."""
        reader, writer = await self.connect()
        writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        try:
            async with asyncio.timeout(10):
                return await reader.read()
        finally:
            writer.close()


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> tuple[bytes, float]:
    """Read until the server closes the connection; what it sent and how long it took.

    Fails if it is still open after `seconds`."""
    started = time.monotonic()
    received = b""
    async with asyncio.timeout(seconds):
        while chunk := await reader.read(65536):
            received += chunk
    return received, time.monotonic() - started


@pytest.fixture
async def served(
    tmp_path: Path, content: Content, understander: Understander
) -> AsyncIterator[Served]:
    """The real app on a free port, with small limits."""
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'helpdesk.db'}",
            "HTTP_IDLE_TIMEOUT_SECONDS": str(IDLE),
            "HTTP_BODY_TIMEOUT_SECONDS": str(BODY),
            "MAX_CONNECTIONS": "16",
        }
    )
    engine: Engine = await build_engine(settings, content=content, understander=understander)
    app = await create_app(engine, settings)
    runner = await serving.start(app, settings, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    try:
        yield Served(host, port, app)
    finally:
        await runner.cleanup()
        await engine.database.dispose()


async def test_half_a_request_line_is_cut_off_after_the_idle_timeout(served: Served) -> None:
    reader, writer = await served.connect()
    writer.write(b"GET /hea")
    received, took = await closed_within(reader, IDLE + MARGIN)
    writer.close()
    assert received == b"", "closed without an answer"
    assert took >= IDLE * 0.8, "cut by the timeout, not at once"


async def test_headers_sent_one_byte_at_a_time_are_cut_off_too(served: Served) -> None:
    reader, writer = await served.connect()
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
    started = time.monotonic()
    closed = False
    for byte in request:  # one byte, then wait up to 0.1 s for the server to hang up
        writer.write(bytes([byte]))
        try:
            async with asyncio.timeout(0.1):
                if await reader.read(65536) == b"":
                    closed = True
                    break
        except TimeoutError:
            pass
        assert time.monotonic() - started < IDLE + MARGIN, "still open"
    writer.close()
    assert closed, "the server kept a trickling client"


async def test_a_body_that_stops_coming_gets_408_and_the_connection_closes(
    served: Served,
) -> None:
    reader, writer = await served.connect()
    writer.write(
        b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n" + b'{"session": '
    )
    received, took = await closed_within(reader, BODY + MARGIN)
    writer.close()
    assert received.startswith(b"HTTP/1.1 408"), received[:200]
    assert b"too slowly" in received
    assert took >= BODY * 0.8


async def test_an_idle_keep_alive_connection_is_closed(served: Served) -> None:
    reader, writer = await served.connect()
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    received, took = await closed_within(reader, IDLE + MARGIN)
    writer.close()
    assert received.startswith(b"HTTP/1.1 200"), "answered first"
    assert took >= IDLE * 0.8


async def test_at_the_cap_the_longest_idle_connection_makes_room(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    cap = served.app[serving.CAP_KEY]
    idle = [await served.connect() for _ in range(cap.limit)]
    async with asyncio.timeout(5):  # until the server has accepted all of them
        while cap.open < cap.limit:
            await asyncio.sleep(0.01)
    response = await served.get("/healthz")
    assert response.startswith(b"HTTP/1.1 200"), response[:200]
    first_reader = idle[0][0]
    received, _ = await closed_within(first_reader, 2.0)
    assert received == b"", "the oldest idle connection was closed to make room"
    assert cap.closed_idle >= 1
    assert "the limit of 16" in caplog.text and "docs/nginx.conf" in caplog.text
    for _, writer in idle:
        writer.close()


class FakeHandler:
    """Stands in for aiohttp's protocol in the cap's bookkeeping."""

    def __init__(self) -> None:
        self.closed = False

    def force_close(self) -> None:
        self.closed = True


@dataclass
class FakeServer:
    connections: list[FakeHandler]


def test_when_every_connection_is_busy_the_new_one_is_refused() -> None:
    handlers = [FakeHandler() for _ in range(3)]
    cap = serving.ConnectionCap(limit=3)
    cap.busy.update(handlers)  # type: ignore[arg-type]
    assert not cap.make_room(FakeServer(handlers))  # type: ignore[arg-type]
    assert cap.refused == 1 and not any(h.closed for h in handlers)
    cap.busy.discard(handlers[1])  # type: ignore[arg-type]
    assert cap.make_room(FakeServer(handlers))  # type: ignore[arg-type]
    assert [h.closed for h in handlers] == [False, True, False]
    assert cap.make_room(FakeServer(handlers[:2]))  # type: ignore[arg-type]
