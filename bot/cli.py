"""The `helpdesk` command: serve, ask, content check, db; channels add their own (chat)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import loop as event_loop
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bot.port import Core

log = logging.getLogger("helpdesk")


def _settings() -> Settings:
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        raise SystemExit(f"helpdesk: configuration error: {error}") from None
    from bot.redaction import install

    install(settings.env or {})  # secrets masked in whatever this command logs
    return settings


# Libraries whose INFO lines carry secrets or personal data: httpx logs every request URL,
# and a Telegram Bot API URL contains the bot token.
QUIET_LOGGERS = ("httpx", "httpcore", "aiohttp.access")
# Libraries that say at INFO what nobody running the bot needs (Alembic lists its plugins).
CHATTY_LOGGERS = ("alembic.runtime.plugins",)


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for name in (*QUIET_LOGGERS, *CHATTY_LOGGERS):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    # Every configured secret is masked on every handler, at every level (bot/redaction.py).
    from bot.redaction import install

    install(settings.env or {})


async def _serve(args: argparse.Namespace) -> int:
    from bot import serving
    from bot.app import build_engine
    from bot.server import create_app

    settings = _settings()
    _configure_logging(settings)
    host, port = args.host or settings.host, args.port or settings.port
    engine = await build_engine(settings)
    try:
        app = await create_app(engine, settings)
    except SettingsError as error:
        await engine.database.dispose()
        raise SystemExit(f"helpdesk: configuration error: {error}") from None
    # Time limits for slow clients and a cap on open connections (bot/serving.py).
    runner = await serving.start(app, settings, host, port)
    print(
        f"helpdesk is running: open http://{host}:{port} in a browser (Ctrl+C stops it)", flush=True
    )
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await engine.database.dispose()
    return 0


async def _ask(args: argparse.Namespace) -> int:
    from bot.app import build_responder
    from bot.messages import Inbound
    from bot.render import plain_text

    settings = _settings()
    logging.basicConfig(level=logging.WARNING)
    # Each question is answered as a brand-new person; nothing is stored.
    responder = build_responder(settings)
    if args.lang and args.lang not in responder.content.locales:
        known = ", ".join(responder.content.locales)
        print(f"unknown language {args.lang!r}; one of: {known}", file=sys.stderr)
        return 2
    if args.province and responder.content.province(args.province) is None:
        known = ", ".join(sorted(responder.content.provinces))
        print(f"unknown province {args.province!r}; one of: {known}", file=sys.stderr)
        return 2
    questions = [args.question] if args.question else (line.rstrip("\n") for line in sys.stdin)
    for number, question in enumerate(questions):
        inbound = Inbound(channel="cli", user_id=f"ask-{number}", text=question, locale=args.lang)
        turn = await responder.answer_new_person(inbound, province=args.province)
        text = "\n\n".join(plain_text(reply) for reply in turn.replies)
        understood = turn.understanding
        if args.json:
            record: dict[str, object] = {
                "topic": understood.topic if understood else None,
                "confidence": understood.confidence if understood else 0.0,
                "text": text,
            }
            if understood is not None:
                record.update(understood.entities.as_json())
                record["lang"] = understood.entities.lang or args.lang or settings.default_locale
            print(json.dumps(record, ensure_ascii=False), flush=not args.question)
        else:
            print(text + "\n", flush=not args.question)
    return 0


def _content_check(args: argparse.Namespace) -> int:
    from bot.content.loader import check_folder
    from bot.plugins import profiles

    settings = _settings()
    folder = Path(args.path) if args.path else settings.content_dir
    report = check_folder(folder, profiles())
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"error: {error}")
    if report.errors:
        print(f"content check failed: {len(report.errors)} error(s) in {folder}")
        return 1
    print(f"content check passed: {folder} ({len(report.warnings)} warning(s))")
    return 0


def _content_review(args: argparse.Namespace) -> int:
    from bot.content.loader import read_content
    from bot.content.review import review_markdown

    content, problems = read_content(_settings().content_dir)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    text = review_markdown(content)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 1 if problems else 0


async def _db(args: argparse.Namespace) -> int:
    from bot.broadcasts.segments import messaging_channels
    from bot.storage import Database
    from bot.storage.retention import purge_idle_sessions, purge_messages

    settings = _settings()
    database = Database(settings.database_url, secret_key=settings.secret_key)
    try:
        await database.upgrade()
        if args.db_command == "purge":
            removed = await purge_messages(database, settings.message_retention_days)
            print(f"removed {removed} message(s) older than {settings.message_retention_days} days")
            days = settings.session_retention_days
            idle = await purge_idle_sessions(database, messaging_channels(), days)
            print(f"removed {idle} web chat people idle for {days} days")
        else:
            print("database is up to date")
    finally:
        await database.dispose()
    return 0


# Commands of the core: the channel plugins (and their libraries) need not be loaded for them.
CORE_COMMANDS = (
    "serve",
    "ask",
    "content",
    "db",
    "broadcast",
    "admin",
    "volunteer",
    "campaign",
    "report",
)


def build_parser(with_plugins: bool = True) -> argparse.ArgumentParser:
    """The argument parser, including the subcommands channel plugins add."""
    from bot.plugins import discover

    parser = argparse.ArgumentParser(
        prog="helpdesk", description="A helpdesk chatbot for Bluezone, NCOVI and QR check-in."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web chat and every configured channel")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1, or HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080, or PORT)")

    ask = commands.add_parser("ask", help="answer questions as a new person would be answered")
    ask.add_argument("question", nargs="?", help="the question (default: one per line on stdin)")
    ask.add_argument("--json", action="store_true", help="one JSON object per answer")
    ask.add_argument(
        "--province",
        help="answer as a person from this province (a file name under content/provinces/)",
    )
    ask.add_argument("--lang", default=None, help="answer in this language (vi, en)")

    content = commands.add_parser("content", help="work with the knowledge base")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    check = content_commands.add_parser("check", help="validate content/ and list every problem")
    check.add_argument("path", nargs="?", help="content folder (default: CONTENT_DIR)")
    review = content_commands.add_parser(
        "review", help="print the content review (every claim and its source) as Markdown"
    )
    review.add_argument("--output", help="write it to this file (docs/content-review.md)")

    db = commands.add_parser("db", help="database maintenance (done automatically otherwise)")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="create or upgrade the database")
    db_commands.add_parser("purge", help="delete old message text and idle web chat people")

    from bot.cli_broadcast import add_commands as add_broadcast_commands

    add_broadcast_commands(commands)
    from bot.cli_admin import add_commands as add_admin_commands

    add_admin_commands(commands)
    from bot.cli_campaign import add_commands as add_campaign_commands
    from bot.cli_volunteer import add_commands as add_volunteer_commands

    add_volunteer_commands(commands)
    add_campaign_commands(commands)
    for plugin in discover() if with_plugins else ():
        if plugin.add_commands is not None:
            plugin.add_commands(commands)
    return parser


@contextlib.asynccontextmanager
async def _core() -> AsyncIterator[Core]:
    """The core on the environment's settings, for a plugin's own command (`helpdesk chat`);
    the database is closed when the command is done with it."""
    from bot.app import build_engine

    engine = await build_engine(_settings())
    try:
        yield engine
    finally:
        await engine.database.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `helpdesk` command."""
    words = list(sys.argv[1:] if argv is None else argv)
    from bot.redaction import install

    install(os.environ)  # every command: secrets of the environment are masked in its log
    core = bool(words) and words[0] in CORE_COMMANDS and words[0] != "serve"
    args = build_parser(with_plugins=not core).parse_args(words)
    if args.command == "content" and args.content_command == "review":
        return _content_review(args)
    if args.command == "content":
        return _content_check(args)
    handler = getattr(args, "run", None)
    try:
        if args.command == "serve":
            return event_loop.run(_serve(args))
        if args.command == "ask":
            return asyncio.run(_ask(args))
        if args.command == "db":
            return asyncio.run(_db(args))
        if handler is not None:
            args.open_core = _core
            return int(handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `helpdesk ask ... | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 2
