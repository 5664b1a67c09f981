"""`helpdesk chat`: talk to the bot in a terminal; buttons are numbered choices."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.messages import Button, Inbound, Outbound
from bot.plugins import OpenCore
from bot.render import plain_text

CHANNEL = "terminal"
QUIT_WORDS = {"/quit", "/exit", "q", "quit", "exit"}


def render(replies: list[Outbound]) -> tuple[str, list[Button]]:
    """Replies as printable text, with every button numbered across the replies."""
    buttons: list[Button] = []
    blocks: list[str] = []
    for reply in replies:
        lines = [plain_text(reply)]
        for button in reply.buttons:
            buttons.append(button)
            lines.append(f"  [{len(buttons)}] {button.label}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks), buttons


def to_inbound(line: str, buttons: list[Button], user_id: str) -> Inbound:
    """A typed line: a number presses that button, anything else is a message."""
    choice = line.strip()
    if choice.isdigit() and 1 <= int(choice) <= len(buttons):
        return Inbound(channel=CHANNEL, user_id=user_id, action=buttons[int(choice) - 1].action)
    return Inbound(channel=CHANNEL, user_id=user_id, text=line)


async def chat_loop(
    user_id: str,
    open_core: OpenCore,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    """Read lines until end of input or /quit, printing the bot's replies."""
    loop = asyncio.get_running_loop()
    print("helpdesk: type a question, a number to press a button, /quit to leave.\n", file=stdout)
    async with open_core() as core:
        text, buttons = render(await core.handle(Inbound(CHANNEL, user_id, text="/start")))
        print(text, file=stdout, flush=True)
        while True:
            print("\n> ", end="", file=stdout, flush=True)
            line = await loop.run_in_executor(None, stdin.readline)
            if not line or line.strip().lower() in QUIT_WORDS:
                print("", file=stdout)
                return 0
            text, buttons = render(await core.handle(to_inbound(line, buttons, user_id)))
            print(text, file=stdout, flush=True)
