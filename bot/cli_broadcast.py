"""`helpdesk broadcast ...`: create, list, inspect, pause, resume and cancel broadcasts."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import signal
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from bot import loop as event_loop
from bot.broadcasts import ROLES
from bot.channel_profile import broadcast_text_limit
from bot.plugins import profiles
from bot.settings import Settings

if TYPE_CHECKING:  # the parser is built for every command; the machinery loads when used
    from bot.broadcasts.segments import Segment
    from bot.broadcasts.sender import Progress


class ProgressBar:
    """`[#####-----]  52%  52000/100000` on a terminal (redrawn in place); elsewhere (logs,
    CI) a plain line at most every 10 seconds."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.last = 0.0
        self.drawn = False

    def show(self, progress: Progress) -> None:
        """Draw the bar for `progress`."""
        known = max(progress.known, progress.handled, 1)
        share = progress.handled / known
        filled = int(share * self.WIDTH)
        line = (
            f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {share:4.0%}  "
            f"{progress.handled}/{progress.known}"
        )
        if self.live:
            print(f"\r{line}", end="", file=self.stream, flush=True)
            self.drawn = True
        elif time.monotonic() - self.last >= 10:
            self.last = time.monotonic()
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        """End the bar's line."""
        if self.drawn:
            print(file=self.stream)


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `broadcast` and its subcommands to the CLI."""
    broadcast = commands.add_parser("broadcast", help="reminders to many people")
    sub = broadcast.add_subparsers(dest="broadcast_command", required=True)
    create = sub.add_parser("create", help="create a broadcast; prints its id")
    create.add_argument(
        "--text", required=True, help="the Vietnamese text (Jinja2: {{ province }})"
    )
    create.add_argument("--text-en", help="the English text")
    create.add_argument(
        "--channel", choices=[profile.name for profile in profiles() if profile.can_broadcast]
    )
    create.add_argument("--province", help="province id, e.g. soc-trang")
    create.add_argument("--locale", help="people who use this language (vi, en)")
    create.add_argument("--role", choices=ROLES)
    create.add_argument("--not-completed-guide", help="started this guide but never finished it")
    create.add_argument("--unseen-days", type=int, help="not seen for more than N days")
    create.add_argument(
        "--not-reported-campaign",
        type=int,
        metavar="ID",
        help="people of that campaign's province who have not reported for it yet",
    )
    create.add_argument("--at", help="ISO time (Asia/Ho_Chi_Minh unless it says); default now")
    create.add_argument("--every", help='recurring cron rule, e.g. "0 8 * * 1" (Mondays 08:00)')
    create.add_argument("--until", help="ISO time after which a recurring broadcast stops")
    create.add_argument(
        "--button",
        action="append",
        default=[],
        metavar="SPEC",
        help="a button: guide:<id>, topic:<id> or https://address=Label (up to 3)",
    )
    sub.add_parser("list", help="the newest broadcasts")
    status = sub.add_parser("status", help="how far a broadcast got")
    status.add_argument("id", type=int)
    status.add_argument("--json", action="store_true")
    for name in ("pause", "resume", "cancel"):
        command = sub.add_parser(name, help=f"{name} a broadcast")
        command.add_argument("id", type=int)
    sub.add_parser("run", help="send what is due until nothing is left (serve does this itself)")
    broadcast.set_defaults(run=lambda args: event_loop.run(_run(args)))


def _moment(text: str | None, name: str) -> dt.datetime | None:
    from bot.broadcasts.schedule import DEFAULT_ZONE

    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"helpdesk: {name} must be an ISO time such as 2026-12-01T08:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=DEFAULT_ZONE)
    return moment.astimezone(dt.UTC)


def _create(
    args: argparse.Namespace, settings: Settings
) -> tuple[dict[str, str], Segment, list[dict[str, Any]]]:
    from bot.broadcasts.compose import BroadcastRequest, check_request
    from bot.broadcasts.segments import Segment
    from bot.content import load_content

    content = load_content(settings.content_dir)
    texts = {"vi": args.text} | ({"en": args.text_en} if args.text_en else {})
    segment = Segment(
        channel=args.channel,
        province=args.province,
        locale=args.locale,
        role=args.role,
        not_completed_guide=args.not_completed_guide,
        unseen_days=args.unseen_days,
        not_reported_campaign=args.not_reported_campaign,
    )
    request = BroadcastRequest(texts, segment, args.every, tuple(args.button))
    found, buttons = check_request(content, request, broadcast_text_limit(profiles()))
    if found:
        raise SystemExit("helpdesk: the broadcast was not created:\n  " + "\n  ".join(found))
    return texts, segment, buttons


async def _send_due(settings: Settings) -> int:
    """Start every configured channel in send-only mode and drain the queue."""
    from aiohttp import web

    from bot.app import build_engine
    from bot.server import SENDER_KEY, create_app

    engine = await build_engine(settings)
    app = await create_app(engine, settings, serving=False)
    runner = web.AppRunner(app)
    await runner.setup()  # starts the channels (send only)
    try:
        sender = app[SENDER_KEY]
        if not sender.deliverers:
            print("no channel can send broadcasts: configure Telegram or Zalo", file=sys.stderr)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stopping.set)
        bar = ProgressBar(sys.stderr)
        done = await sender.run_until_idle(bar.show, stopping, wait_for_retries=True)
        bar.close()
        print(f"deliveries handled: {done}", file=sys.stderr)
    finally:
        await runner.cleanup()
        await engine.database.dispose()
    return 0


async def _run(args: argparse.Namespace) -> int:
    from bot.broadcasts import store
    from bot.storage import Database

    settings = Settings.from_env()
    if args.broadcast_command == "run":
        return await _send_due(settings)
    database = Database(settings.database_url, secret_key=settings.secret_key)
    try:
        await database.upgrade()
        command = args.broadcast_command
        if command == "create":
            texts, segment, buttons = _create(args, settings)
            first = _moment(args.at, "--at") or dt.datetime.now(dt.UTC)
            until = _moment(args.until, "--until")
            identifier = await database.run(
                store.create, texts, segment, first, args.every, until, buttons
            )
            print(identifier)
        elif command == "list":
            for row in await database.run(store.latest):
                when = row.next_run_at.isoformat(timespec="minutes") if row.next_run_at else "-"
                rule = f" every {row.every!r}" if row.every else ""
                print(
                    f"{row.id:>5}  {row.state:<9}  next {when}{rule}  to {row.segment.describe()}"
                )
        elif command == "status":
            report: dict[str, Any] | None = await database.run(store.report, args.id)
            if report is None:
                raise SystemExit(f"helpdesk: no broadcast {args.id}")
            if args.json:
                keys = ("id", "state", "total", "sent", "failed", "skipped", "pending")
                print(json.dumps({k: report[k] for k in keys}))
            else:
                print(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            state = await database.run(store.change_state, args.id, command)
            if state is None:
                raise SystemExit(f"helpdesk: broadcast {args.id} cannot {command} now")
            print(f"broadcast {args.id}: {state}")
    finally:
        await database.dispose()
    return 0
