"""The `helpdesk` command as a person runs it: ask, content check, chat, settings errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content import Content
from bot.settings import PROJECT_ROOT


def helpdesk(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd or PROJECT_ROOT,
        timeout=120,
    )


def test_ask_gives_the_province_hotline() -> None:
    result = helpdesk("ask", "--json", "--province", "soc-trang", "cho tôi số hỗ trợ")
    answer = json.loads(result.stdout)
    assert answer["topic"] == "support.hotline"
    assert "0299.3626800" in answer["text"]
    result = helpdesk("ask", "--json", "--province", "quang-ngai", "cho tôi số hỗ trợ")
    answer = json.loads(result.stdout)
    assert "0982.142.211" in answer["text"] and "0914.559.068" in answer["text"]
    assert "0299.3626800" not in answer["text"]


def test_ask_reads_questions_from_stdin_in_order(content: Content) -> None:
    result = helpdesk(
        "ask", "--json", stdin="cai bluezone ntn\nthoi tiet ha noi mai\n\nhow to install bluezone\n"
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["topic"] for line in lines] == ["bluezone.install", None, None, "bluezone.install"]
    assert all(0.0 <= line["confidence"] <= 1.0 for line in lines)
    assert lines[1]["text"], "out of scope still gets an honest reply"
    install = content.topic("bluezone.install")
    assert install is not None and "CH Play" in lines[0]["text"]


def test_ask_in_english() -> None:
    result = helpdesk("ask", "--lang", "en", "how do I install bluezone")
    assert "Play Store" in result.stdout and result.returncode == 0


def test_ask_answers_in_the_language_of_the_question_and_gives_the_entities() -> None:
    result = helpdesk(
        "ask",
        "--json",
        stdin="how do I install bluezone on my iphone\n"
        "ở Quảng Ngãi bluezone ko nhận otp, gọi số nào\n",
    )
    english, vietnamese = (json.loads(line) for line in result.stdout.splitlines())
    assert english["lang"] == "en" and "App Store" in english["text"]
    assert (english["app"], english["device"], english["wants_person"]) == (
        "bluezone",
        "ios",
        False,
    )
    assert vietnamese["lang"] == "vi" and vietnamese["topic"] == "bluezone.otp"
    assert (vietnamese["province"], vietnamese["wants_person"]) == ("quang-ngai", True)
    assert "0982.142.211" in vietnamese["text"], "the named province's numbers, unasked"


def test_content_check_exit_codes(tmp_path: Path) -> None:
    ok = helpdesk("content", "check")
    assert ok.returncode == 0 and "content check passed" in ok.stdout
    bad = tmp_path / "content"
    bad.mkdir()
    (bad / "content.yaml").write_text("locales: [vi, en]\n", encoding="utf-8")
    failed = helpdesk("content", "check", str(bad))
    assert failed.returncode == 1
    assert "error: content.yaml: 'menu' needs at least one section" in failed.stdout


def test_terminal_chat_numbers_buttons(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"}
    result = helpdesk("chat", stdin="2\ncai bluezone tren iphone\n1\n/quit\n", env=env)
    assert result.returncode == 0, result.stderr
    assert "[1] Quảng Ngãi" in result.stdout and "[2] Sóc Trăng" in result.stdout
    assert "Đã lưu: Sóc Trăng" in result.stdout
    assert "App Store" in result.stdout and "Bước 1/5" in result.stdout
    again = helpdesk("chat", stdin="/hotline\n", env=env)
    assert "0299.3626800" in again.stdout, "the province is remembered between sessions"


def test_a_wrong_setting_fails_at_start_naming_it(tmp_path: Path) -> None:
    result = helpdesk("ask", "hi", env={"DATABASE_URL": "mysql://x"})
    assert result.returncode != 0 and "DATABASE_URL" in result.stderr
    result = helpdesk("ask", "hi", env={"PORT": "eighty"})
    assert result.returncode != 0 and "PORT" in result.stderr


def test_db_commands_create_the_database(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'h.db'}"}
    result = helpdesk("db", "upgrade", env=env)
    assert result.returncode == 0 and (tmp_path / "sub" / "h.db").exists()
    assert "removed 0" in helpdesk("db", "purge", env=env).stdout


def test_logs_never_show_the_bot_token(caplog: pytest.LogCaptureFixture) -> None:
    """httpx logs request URLs at INFO, and a Bot API URL contains the token."""
    import logging

    from bot.cli import _configure_logging
    from bot.settings import Settings

    _configure_logging(Settings.from_env({"LOG_LEVEL": "INFO"}))
    with caplog.at_level(logging.INFO):
        logging.getLogger("httpx").info(
            "HTTP Request: POST https://api.telegram.org/bot123:SECRET/getMe"
        )
        logging.getLogger("bot").info("an ordinary line")
    assert "SECRET" not in caplog.text and "an ordinary line" in caplog.text


def test_broadcast_commands(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
    refused = helpdesk("broadcast", "create", "--text", "Chào {{ name }}", env=env)
    assert refused.returncode != 0 and "'name' is undefined" in refused.stderr
    refused = helpdesk("broadcast", "create", "--text", "x", "--province", "atlantis", env=env)
    assert refused.returncode != 0 and "unknown province" in refused.stderr
    created = helpdesk(
        "broadcast",
        "create",
        "--text",
        "Nhắc {{ province }}",
        "--province",
        "soc-trang",
        "--every",
        "0 8 * * 1",
        "--at",
        "2026-12-01T08:00",
        env=env,
    )
    assert created.returncode == 0, created.stderr
    identifier = created.stdout.strip()
    status = json.loads(helpdesk("broadcast", "status", identifier, "--json", env=env).stdout)
    assert status == {
        "id": int(identifier),
        "state": "scheduled",
        "total": 0,
        "sent": 0,
        "failed": 0,
        "skipped": 0,
        "pending": 0,
    }
    assert "2026-12-01T01:00" in helpdesk("broadcast", "list", env=env).stdout, "08:00 in Vietnam"
    assert "paused" in helpdesk("broadcast", "pause", identifier, env=env).stdout
    assert "cancelled" in helpdesk("broadcast", "cancel", identifier, env=env).stdout
    assert helpdesk("broadcast", "resume", identifier, env=env).returncode != 0


def test_broadcast_buttons_from_the_command_line(tmp_path: Path) -> None:
    import sqlite3

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
    for bad in ("guide:nope", "topic:nope", "https://bluezone.gov.vn", "call:1900"):
        refused = helpdesk("broadcast", "create", "--text", "x", "--button", bad, env=env)
        assert refused.returncode != 0 and "not created" in refused.stderr, bad
    buttons = ("guide:bluezone.reactivate", "topic:bluezone.about", "https://bluezone.gov.vn=Tải")
    created = helpdesk(
        "broadcast",
        "create",
        "--text",
        "Kích hoạt lại Bluezone",
        *(part for spec in buttons for part in ("--button", spec)),
        env=env,
    )
    assert created.returncode == 0, created.stderr
    with sqlite3.connect(tmp_path / "b.db") as connection:
        (stored,) = connection.execute(
            "SELECT buttons FROM broadcasts WHERE id = ?", (int(created.stdout),)
        ).fetchone()
    items = json.loads(stored)["items"]
    assert [item.get("action") or item.get("url") for item in items] == [
        "g:bluezone.reactivate",
        "t:bluezone.about",
        "https://bluezone.gov.vn",
    ]
    assert set(items[0]["label"]) == {"vi", "en"}, "guide titles in every language"
    assert items[2]["label"] == {"vi": "Tải"}
