"""One channel's outage is not everyone's: retried with backoff, refused credentials stop it."""

from __future__ import annotations

import logging

import pytest

from bot.health import ChannelHealth, ChannelRefused, ChannelState, keep_trying, one_line


async def test_a_channel_that_cannot_reach_its_platform_is_retried_until_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = ChannelHealth()
    attempts: list[ChannelState | None] = []

    async def start() -> None:
        status = health.status("telegram")
        attempts.append(status.state if status else None)
        if len(attempts) < 3:
            raise ConnectionError("Cannot connect to host api.telegram.org:443\nmore detail")

    with caplog.at_level(logging.INFO, logger="bot.health"):
        await keep_trying("telegram", start, health, backoff=(0.0,))
    assert attempts == [ChannelState.STARTING, ChannelState.RETRYING, ChannelState.RETRYING]
    status = health.status("telegram")
    assert status is not None and status.state is ChannelState.UP and not health.degraded
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "channel telegram is retrying: ConnectionError: Cannot connect to host api.telegram.org:443"
    ], "one line per change, no traceback"


async def test_refused_credentials_stop_only_that_channel() -> None:
    health = ChannelHealth()

    async def refused() -> None:
        raise ChannelRefused("TELEGRAM_BOT_TOKEN was refused by the Bot API (401)")

    async def fine() -> None:
        return None

    await keep_trying("telegram", refused, health, backoff=(0.0,))
    await keep_trying("zalo", fine, health, backoff=(0.0,))
    assert health.degraded
    assert health.to_json()["telegram"]["state"] == "stopped"
    assert "TELEGRAM_BOT_TOKEN" in health.to_json()["telegram"]["error"]
    assert health.to_json()["zalo"]["state"] == "up"


def test_an_error_is_one_short_line() -> None:
    assert one_line(RuntimeError("a\nb")) == "RuntimeError: a"
    assert one_line(TimeoutError()) == "TimeoutError"
