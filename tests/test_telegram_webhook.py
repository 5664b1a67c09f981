"""The webhook route: a secret that cannot be guessed (generated and kept when not set),
guessing slowed down per address, anything that is not an update refused with 400, and an
update python-telegram-bot cannot read acknowledged (200) and dropped."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.content import Content
from bot.guard.address import LOOPBACK, TrustedProxies
from bot.matcher import Understander
from bot.storage.models import InboxEvent
from channels.telegram.webhook import BURST, SecretGuard
from tests.chat import fetch_all
from tests.test_telegram import SECRET, running

RIGHT = "r" * 40


async def test_an_unset_secret_is_generated_once_stored_and_reused_after_a_restart(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    async with running(tmp_path, content, understander, webhook=True, secret=None) as bot:
        assert bot.fake.webhook is not None
        generated = bot.fake.webhook["secret_token"]
        assert len(generated) >= 32 and generated != SECRET
        assert await bot.post_update(bot.fake.text_update("/start", 1001), generated) == 200
        await bot.fake.wait_for(lambda _: bool(bot.fake.sent(1001)))
        assert await bot.post_update(bot.fake.text_update("/start", 1001), SECRET) == 403
    assert generated not in caplog.text, "the secret itself is never logged"
    told = [r for r in caplog.records if "TELEGRAM_WEBHOOK_SECRET is not set" in r.getMessage()]
    assert len(told) == 1 and told[0].levelno == logging.INFO

    caplog.clear()
    async with running(tmp_path, content, understander, webhook=True, secret=None) as bot:
        assert bot.fake.webhook is not None
        assert bot.fake.webhook["secret_token"] == generated, "the same secret after a restart"
        assert await bot.post_update(bot.fake.text_update("/start", 1002), generated) == 200
    assert "TELEGRAM_WEBHOOK_SECRET is not set" not in caplog.text, "told only when generated"


async def test_guessing_the_secret_gets_429_per_address_and_one_log_line_per_burst(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [1000.0]
    async with running(tmp_path, content, understander, webhook=True) as bot:
        bot.channel.guard.clock = lambda: now[0]
        update = bot.fake.text_update("/start", 1001)
        guesser, telegram = "198.51.100.23", "149.154.167.220"
        with caplog.at_level(logging.WARNING, logger="channels.telegram.webhook"):
            for attempt in range(BURST):
                assert await bot.post_update(update, f"guess-{attempt}", guesser) == 403
            # From now on that address is answered 429, its secret not even compared.
            status, headers = await bot.post_body(json.dumps(update).encode(), SECRET, guesser)
            assert status == 429 and int(headers["Retry-After"]) >= 1
            assert await bot.post_update(update, "guess-again", guesser) == 429
            # Telegram, from its own address, is not held up by the guesser.
            assert await bot.post_update(update, SECRET, telegram) == 200
            lines = [r.getMessage() for r in caplog.records]
            assert len(lines) == 1 and guesser in lines[0], "one line for the whole burst"

            now[0] += 60 * 6 + 1  # the bucket refills: the burst is over
            assert await bot.post_update(update, "guess-later", guesser) == 403
            lines = [r.getMessage() for r in caplog.records]
            assert len(lines) == 2 and guesser in lines[1]
            assert f"{BURST} refused, 2 answered 429" in lines[1]
        assert await fetch_all(bot.engine.database, select(InboxEvent)) != []
        await bot.fake.wait_for(lambda _: bool(bot.fake.sent(1001)))
        assert len([c for c in bot.fake.sent(1001) if c.method == "sendMessage"]) >= 1


NOT_UPDATES = [
    *(b"[]", b'"text"', b"42", b"null", b"{}", b"{not json", b"\xff", b"[" * 5000),
    *(b'{"update_id": "7"}', b'{"update_id": true}', b'{"update_id": -1}'),
    *(b'{"update_id": 1.5}', b'{"update_id": ' + b"9" * 5000 + b"}", b'{"update_id": 1e999}'),
    b'{"update_id": 9, "x": ' + b"[" * 40 + b"]" * 40 + b"}",
    b'{"update_id": NaN}',
]


async def test_a_body_that_is_not_an_update_gets_400_and_nothing_is_stored(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running(tmp_path, content, understander, webhook=True) as bot:
        with caplog.at_level(logging.WARNING):
            for body in NOT_UPDATES:
                status, _headers = await bot.post_body(body)
                assert status == 400, body[:40]
        assert await fetch_all(bot.engine.database, select(InboxEvent)) == []
        assert await bot.post_update(bot.fake.text_update("/start", 1001)) == 200, "still up"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no traceback"
    lines = [r.getMessage() for r in caplog.records if "telegram webhook" in r.getMessage()]
    assert len(lines) == 1 and "127.0.0.1 (400)" in lines[0], "one line a minute per address"


@pytest.mark.parametrize(
    "body",
    [b'{"update_id": 9, "message": 5}', b'{"update_id": 9, "message": {"message_id": 1}}'],
)
async def test_an_update_that_cannot_be_read_is_acknowledged_and_dropped(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
) -> None:
    """Telegram redelivers whatever gets an error; retrying cannot make it readable."""
    async with running(tmp_path, content, understander, webhook=True) as bot:
        with caplog.at_level(logging.WARNING):
            status, _headers = await bot.post_body(body)
        assert status == 200
        assert await fetch_all(bot.engine.database, select(InboxEvent)) == []
    lines = [r.getMessage() for r in caplog.records if "telegram webhook" in r.getMessage()]
    assert len(lines) == 1 and "update 9" in lines[0] and "127.0.0.1" in lines[0]
    assert "message_id" not in lines[0], "never the body"


async def test_an_update_of_a_kind_nobody_handles_is_stored_and_acknowledged(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, webhook=True) as bot:
        update = {"update_id": 77, "some_future_kind": {"id": 1, "what": ["x"]}}
        assert await bot.post_update(update) == 200
        stored = await fetch_all(bot.engine.database, select(InboxEvent))
        assert [row.event_id for row in stored] == ["77"]


def test_the_guard_compares_only_while_the_address_is_under_its_limit() -> None:
    now = [0.0]
    guard = SecretGuard(RIGHT, burst=3, refill_seconds=10.0, clock=lambda: now[0])
    assert guard.check("a", RIGHT) == "ok"
    assert [guard.check("a", "wrong") for _ in range(3)] == ["refused"] * 3
    assert guard.check("a", RIGHT) == "limited", "not compared while limited"
    assert guard.check("b", RIGHT) == "ok", "another address is not limited"
    now[0] += 10.0  # one more guess allowed
    assert guard.check("a", RIGHT) == "ok"
    assert guard.check("a", "wrong") == "refused"
    assert guard.check("a", "wrong") == "limited"
    assert guard.retry_after("a") == 10


def test_forwarded_addresses_are_believed_only_from_trusted_proxies() -> None:
    assert LOOPBACK.client("127.0.0.1", "1.2.3.4, 203.0.113.9") == "203.0.113.9"
    assert LOOPBACK.client("::1", "203.0.113.9") == "203.0.113.9"
    assert LOOPBACK.client("198.51.100.1", "203.0.113.9") == "198.51.100.1", "a client's claim"
    assert LOOPBACK.client("127.0.0.1", "") == "127.0.0.1"
    assert LOOPBACK.client("127.0.0.1", "not-an-address") == "127.0.0.1"
    assert LOOPBACK.client("127.0.0.1", "\udcff") == "127.0.0.1", "undecodable bytes"
    assert LOOPBACK.client(None) == "unknown"
    # A load balancer elsewhere, in front of nginx on this machine: both are trusted, the
    # nearest address neither of them is wins.
    chain = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8")
    assert chain.client("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.0.0.5") == "203.0.113.9"
    assert chain.client("10.0.0.7", "2001:db8::1") == "2001:db8::1"
    assert TrustedProxies.parse("").client("127.0.0.1", "203.0.113.9") == "127.0.0.1"
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300'"):
        TrustedProxies.parse("127.0.0.1, 10.0.0.300")
