"""The webhook route: a secret that cannot be guessed (generated and kept when not set),
guessing slowed down per address, and anything that is not an update refused with 400."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from aiohttp.test_utils import make_mocked_request
from sqlalchemy import select

from bot.content import Content
from bot.matcher import Understander
from bot.storage.models import InboxEvent
from channels.telegram.webhook import BURST, SecretGuard, client_address
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
    shown = [r for r in caplog.records if generated in r.getMessage()]
    assert len(shown) == 1 and shown[0].levelno == logging.INFO
    assert "TELEGRAM_WEBHOOK_SECRET" in shown[0].getMessage()

    caplog.clear()
    async with running(tmp_path, content, understander, webhook=True, secret=None) as bot:
        assert bot.fake.webhook is not None
        assert bot.fake.webhook["secret_token"] == generated, "the same secret after a restart"
        assert await bot.post_update(bot.fake.text_update("/start", 1002), generated) == 200
    assert generated not in caplog.text, "printed only when it was generated"


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


@pytest.mark.parametrize(
    "body",
    [
        *(b"[]", b'"text"', b"42", b"null", b"{}", b"{not json", b"\xff"),
        *(b'{"update_id": "7"}', b'{"update_id": true}', b'{"update_id": 9, "message": 5}'),
        b'{"update_id": 9, "message": {"message_id": 1}}',
    ],
)
async def test_a_body_that_is_not_an_update_gets_400_and_nothing_is_stored(
    tmp_path: Path, content: Content, understander: Understander, body: bytes
) -> None:
    async with running(tmp_path, content, understander, webhook=True) as bot:
        status, _headers = await bot.post_body(body)
        assert status == 400
        assert await fetch_all(bot.engine.database, select(InboxEvent)) == []


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


def test_forwarded_addresses_are_believed_only_from_a_proxy_on_this_machine() -> None:
    def request(peer: str, forwarded: str | None) -> str:
        class Transport:
            def get_extra_info(self, name: str, default: object = None) -> object:
                return (peer, 40000) if name == "peername" else default

            def is_closing(self) -> bool:
                return False

        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return client_address(
            make_mocked_request("POST", "/telegram/webhook", headers, transport=Transport())
        )

    assert request("127.0.0.1", "1.2.3.4, 203.0.113.9") == "203.0.113.9"
    assert request("::1", "203.0.113.9") == "203.0.113.9"
    assert request("198.51.100.1", "203.0.113.9") == "198.51.100.1", "a client's own claim"
    assert request("127.0.0.1", None) == "127.0.0.1"
