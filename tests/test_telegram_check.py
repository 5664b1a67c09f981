"""`helpdesk telegram check` against the fake Bot API: a healthy bot, a webhook Telegram
cannot deliver to, a refused token, an unreachable Bot API."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from channels.telegram.check import check
from channels.telegram.config import TelegramSettings
from tests.fake_telegram import FakeBotAPI
from tests.test_telegram import TOKEN

HOOK = "https://helpdesk.example.gov.vn/telegram/webhook"
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI(token=TOKEN)
    await api.start()
    yield api
    await api.stop()


def settings_for(fake: FakeBotAPI, webhook: bool = True, token: str = TOKEN) -> TelegramSettings:
    assert fake.base_url is not None
    return TelegramSettings(
        token=token, api_base_url=fake.base_url, webhook_url=HOOK if webhook else None
    )


async def test_a_healthy_webhook_bot_is_ok(fake: FakeBotAPI) -> None:
    fake.webhook = {"url": HOOK}
    report = await check(settings_for(fake), now=lambda: NOW)
    assert report.ok, report.problems
    assert f"bot: @{fake.username} (id 123456789), inline mode on" in report.lines
    assert f"registered webhook: {HOOK}" in report.lines
    assert "pending updates: 0" in report.lines
    assert "last delivery error: none" in report.lines
    assert report.verdict == f"OK: the Bot API accepts the token and delivers to {HOOK}"
    assert [c.method for c in fake.calls] == ["getMe", "getWebhookInfo"]


async def test_a_polling_bot_is_ok_and_a_leftover_webhook_is_a_problem(fake: FakeBotAPI) -> None:
    report = await check(settings_for(fake, webhook=False), now=lambda: NOW)
    assert report.ok and report.verdict.startswith("OK: ")
    fake.webhook = {"url": HOOK}
    report = await check(settings_for(fake, webhook=False), now=lambda: NOW)
    assert report.verdict.startswith("PROBLEM: a webhook is registered")


async def test_a_webhook_telegram_cannot_deliver_to_is_a_problem(fake: FakeBotAPI) -> None:
    fake.webhook = {"url": HOOK}
    # Long ago and nothing waiting: shown, but the bot has recovered since.
    fake.webhook_error = (int((NOW - dt.timedelta(days=3)).timestamp()), "Connection timed out")
    report = await check(settings_for(fake), now=lambda: NOW)
    assert report.ok
    assert (
        "last delivery error: 2026-11-25 12:00:00 UTC: Connection timed out (over an hour ago)"
        in report.lines
    )
    # Five minutes ago, with an update waiting: a problem.
    failed_at = NOW - dt.timedelta(minutes=5)
    fake.webhook_error = (int(failed_at.timestamp()), "Wrong response from the webhook: 502")
    fake.push_update(fake.text_update("/start", 1001))
    report = await check(settings_for(fake), now=lambda: NOW)
    assert not report.ok
    assert "pending updates: 1" in report.lines
    assert (
        "last delivery error: 2026-11-28 11:55:00 UTC: Wrong response from the webhook: 502"
        in report.lines
    )
    assert report.verdict == (
        "PROBLEM: Telegram could not deliver to the webhook: Wrong response from the webhook: 502"
    )


async def test_a_registered_webhook_elsewhere_or_none_is_a_problem(fake: FakeBotAPI) -> None:
    report = await check(settings_for(fake), now=lambda: NOW)
    assert report.verdict.startswith("PROBLEM: no webhook is registered")
    fake.webhook = {"url": "https://old.example/telegram/webhook"}
    report = await check(settings_for(fake), now=lambda: NOW)
    assert "not TELEGRAM_WEBHOOK_URL" in report.verdict


async def test_a_refused_token_is_a_problem_naming_the_setting(fake: FakeBotAPI) -> None:
    wrong = "123456789:AAHanother-token_that-is-not-the-bots"
    report = await check(settings_for(fake, token=wrong))
    assert report.verdict.startswith("PROBLEM: TELEGRAM_BOT_TOKEN was refused by the Bot API")
    assert "Unauthorized" in report.verdict
    assert wrong not in "\n".join([*report.lines, report.verdict])


async def test_an_unreachable_bot_api_is_a_problem() -> None:
    port = FakeBotAPI.unused_port()
    settings = TelegramSettings(token=TOKEN, api_base_url=f"http://127.0.0.1:{port}/bot")
    report = await check(settings)
    assert report.verdict.startswith(
        f"PROBLEM: cannot reach the Bot API at http://127.0.0.1:{port}"
    )
    assert TOKEN not in report.verdict


async def helpdesk_check(env: dict[str, str], cwd: Path) -> tuple[int, list[str]]:
    """Run `helpdesk telegram check` as a deployer would: its exit code and output lines."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "telegram",
        "check",
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **env},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None, err.decode()
    return process.returncode, out.decode().splitlines()


async def test_the_command_prints_a_verdict_and_exits_0_or_1(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    assert fake.base_url is not None
    fake.webhook = {"url": HOOK}
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_WEBHOOK_URL": HOOK,
    }
    code, lines = await helpdesk_check(env, tmp_path)
    assert code == 0 and lines[-1].startswith("OK: "), lines
    assert f"bot: @{fake.username} (id 123456789), inline mode on" in lines
    code, lines = await helpdesk_check(
        env | {"TELEGRAM_BOT_TOKEN": "123456789:AAHanother-token_that-is-not-the-bots"}, tmp_path
    )
    assert code == 1 and lines[-1].startswith("PROBLEM: TELEGRAM_BOT_TOKEN was refused"), lines
    code, lines = await helpdesk_check({"TELEGRAM_BOT_TOKEN": ""}, tmp_path)
    assert (code, lines) == (1, ["PROBLEM: TELEGRAM_BOT_TOKEN is not set"])
