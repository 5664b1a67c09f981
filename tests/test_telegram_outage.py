"""Telegram's outage is not everyone's: the server starts and serves while the Bot API cannot
be reached, Telegram comes up by itself once it can, and a refused token stops only Telegram.
The real app (`create_app`, as `helpdesk serve` builds it) against the fake Bot API."""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.content import Content
from bot.health import ChannelState
from bot.matcher import Understander
from tests.fake_telegram import FakeBotAPI
from tests.test_telegram import TOKEN, running


def open_sessions(channel: Any) -> list[object]:
    """The channel's HTTP sessions that are still open."""
    requests = channel.application.bot._request  # (getUpdates, everything else)
    sessions = [getattr(request, "_session", None) for request in requests]
    return [session for session in sessions if session is not None and not session.closed]


def problems_in_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log lines at INFO or above that carry a traceback, mention an unclosed session, or
    show the bot token."""
    gc.collect()  # an unclosed aiohttp session is reported when it is collected
    found = []
    for record in caplog.records:
        if record.levelno < logging.INFO:
            continue
        message = record.getMessage()
        if record.exc_info or "Unclosed" in message or "Traceback" in message:
            found.append(f"{record.name}: {message[:200]}")
        if TOKEN in message or TOKEN.split(":")[1] in message:
            found.append(f"token in the log: {record.name}")
    return found


async def test_serve_starts_without_the_bot_api_and_telegram_comes_up_by_itself(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    async with running(tmp_path, content, understander, webhook=True, reachable=False) as bot:
        # Up and serving: Telegram is retrying in the background, with a one-line reason.
        health = await bot.healthz()
        assert health["status"] == "degraded"
        telegram = health["channel_health"]["telegram"]
        assert telegram["state"] == "retrying"
        assert "Cannot connect" in telegram["error"] and "\n" not in telegram["error"]
        assert len(telegram["error"]) <= 200
        # The web chat answers meanwhile.
        replies = await bot.web_chat("cai bluezone ntn")
        assert replies and replies[0]["text"]
        # Telegram may still deliver (the webhook of an earlier run): stored, answered later.
        early = bot.fake.text_update("/start", 1001)
        assert await bot.post_update(early) == 200
        assert bot.fake.calls == []
        retrying = [r.getMessage() for r in caplog.records if "is retrying" in r.getMessage()]
        assert len(retrying) == 1, "the log says it once, not at every attempt"

        await bot.bring_fake_up()
        await bot.health.wait_for("telegram", {ChannelState.UP})
        health = await bot.healthz()
        assert health["status"] == "ok"
        assert health["channel_health"]["telegram"]["state"] == "up"
        assert bot.fake.webhook is not None, "the webhook was registered once it could be"
        # The update that came while Telegram was down is answered, and new ones are too.
        fake = bot.fake
        await fake.wait_for(lambda _: bool(fake.sent(1001)))
        await bot.deliver(bot.fake.text_update("/start", 1002), 1002, lambda calls: bool(calls))
    assert open_sessions(bot.channel) == []
    del bot  # an unclosed session would be reported when collected
    assert problems_in_log(caplog) == []


async def test_a_refused_token_stops_only_telegram_and_names_the_setting(
    tmp_path: Path,
    content: Content,
    understander: Understander,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    other_bot = FakeBotAPI(token="987654321:AAHsome-other-bot_token-0123456789")
    async with running(tmp_path, content, understander, fake=other_bot) as bot:
        health = await bot.healthz()
        telegram = health["channel_health"]["telegram"]
        assert health["status"] == "degraded"
        assert telegram["state"] == "stopped"
        assert "TELEGRAM_BOT_TOKEN" in telegram["error"] and "Unauthorized" in telegram["error"]
        assert TOKEN not in str(health)
        assert [c.method for c in bot.fake.calls] == ["getMe"], "not retried"
        assert (await bot.web_chat("xin chao"))[0]["text"], "the web chat still answers"
        assert not bot.channel.up
    assert open_sessions(bot.channel) == []
    del bot
    assert problems_in_log(caplog) == []


async def test_a_lost_polling_connection_shows_in_health_until_a_poll_works(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as bot:
        bot.fake.fail_next("getUpdates", 502, "Bad Gateway")
        polls = bot.fake.hold("getUpdates")  # the polls after the failed one wait
        status = await bot.health.wait_for("telegram", {ChannelState.RETRYING})
        assert status.error == "NetworkError: Bad Gateway"
        assert (await bot.healthz())["status"] == "degraded"
        polls.set()
        await bot.health.wait_for("telegram", {ChannelState.UP})
        await bot.deliver(bot.fake.text_update("/start", 1003), 1003, lambda calls: bool(calls))
