"""`helpdesk zalo check --to <user>` against the fake Zalo in its modes: a clear verdict line
and an exit code a deployer can trust."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from bot.content import Content
from bot.matcher import Understander
from bot.storage import credentials
from channels.zalo.check import run_check
from tests.local_server import serve
from tests.test_zalo import Running, running


async def check(zalo: Running, to: str, **env: str) -> tuple[int, str]:
    out = io.StringIO()
    code = await run_check({**zalo.env, "ZALO_WEBHOOK_URL": zalo.url, **env}, to, out)
    return code, out.getvalue()


def verdict(report: str) -> str:
    (line,) = [line for line in report.splitlines() if line.startswith("VERDICT:")]
    return line


async def test_templates_accepted_token_valid_webhook_answers(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, "quota") as zalo:
        await zalo.say("6001", "xin chào")
        code, report = await check(zalo, "6001")
        assert code == 0, report
        assert "token    valid" in report
        assert "accepted with a template button" in report
        assert "answered Zalo's registration probe (200)" in report
        assert verdict(report).startswith("VERDICT: READY")
        sent = zalo.fake.sent("6001")[-1]
        assert sent.buttons and sent.buttons[0]["payload"] == "#hd:menu"


async def test_templates_refused_numbered_works(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, "refuses_templates") as zalo:
        await zalo.say("6002", "xin chào")
        code, report = await check(zalo, "6002")
        assert code == 0, report
        assert "template button refused (-233" in report
        assert "accepted as numbered text" in report
        assert "ZALO_BUTTONS=numbered" in verdict(report)
        replies = await zalo.say("6002", "1")  # the check's "1. ☰ Main menu"
        assert "Bluezone" in (replies[-1].text or "")


async def test_someone_outside_the_window_is_not_ready(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, "quota") as zalo:
        code, report = await check(zalo, "6003")
        assert code == 1
        assert "write to the OA from that account first" in verdict(report)


async def test_an_expired_token_is_refreshed_and_a_refused_one_named(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander, "header_timestamp") as zalo:
        await zalo.say("6004", "xin chào")
        zalo.fake.expire_access_token(-220)
        code, report = await check(zalo, "6004")
        assert code == 0 and "token    refreshed" in report, report
        stored = await zalo.engine.database.run(credentials.load, "zalo")
        assert stored == (zalo.fake.access_token, zalo.fake.refresh_token)
        zalo.fake.expire_access_token()
        zalo.fake.fail_refresh(times=2)
        code, report = await check(zalo, "6004")
        assert code == 1
        assert "ZALO_REFRESH_TOKEN was refused" in verdict(report)


@asynccontextmanager
async def refusing_server() -> AsyncIterator[str]:
    async def refuse(_request: web.Request) -> web.Response:
        return web.json_response({"error": "invalid signature"}, status=401)

    runner, address = await serve(refuse)
    try:
        yield f"{address}/zalo/webhook"
    finally:
        await runner.cleanup()


async def test_a_webhook_that_refuses_the_probe_is_not_ready(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with running(tmp_path, content, understander) as zalo, refusing_server() as url:
        await zalo.say("6005", "xin chào")
        code, report = await check(zalo, "6005", ZALO_WEBHOOK_URL=url)
        assert code == 1
        assert "answered the probe with 401, not 200" in verdict(report)
        code, report = await check(zalo, "6005", ZALO_WEBHOOK_URL="")
        assert code == 0 and "webhook  not checked" in report


async def test_not_configured(tmp_path: Path) -> None:
    out = io.StringIO()
    code = await run_check({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, "1", out)
    assert code == 2 and "not configured" in out.getvalue()
    code = await run_check(
        {"ZALO_APP_ID": "1", "ZALO_OA_SECRET_KEY": "x", "ZALO_BUTTONS": "x"}, "1", out
    )
    assert code == 2 and "ZALO_BUTTONS" in out.getvalue()


def test_the_command_is_registered() -> None:
    from bot.cli import build_parser

    args = build_parser().parse_args(["zalo", "check", "--to", "123"])
    assert args.to == "123" and callable(args.run)
