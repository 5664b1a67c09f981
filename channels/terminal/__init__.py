"""The terminal: `helpdesk chat` talks to the bot in a terminal (chat.py). It adds a command,
not routes: it has nothing to install into the server."""

from __future__ import annotations

import argparse
import asyncio

from bot.channel_profile import ChannelLimits, ChannelProfile
from bot.plugins import ChannelPlugin


def _add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from channels.terminal.chat import chat_loop

    chat = commands.add_parser("chat", help="chat with the bot in this terminal")
    chat.add_argument("--user", default="local", help="who you are (default: local)")
    chat.set_defaults(run=lambda args: asyncio.run(chat_loop(args.user, args.open_core)))


# A terminal shows any length; the limits keep the numbered choices readable.
plugin = ChannelPlugin(
    profile=ChannelProfile(name="terminal", limits=ChannelLimits(text=4096, buttons=12, label=60)),
    add_commands=_add_commands,
)
