"""Routes a turn to a handler: buttons by action prefix, commands by name, text through stages.

Handlers are plain typed async functions registered in one place (handlers/__init__.py), in
the spirit of aiogram's routers but without import-time decorators.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.context import Context

ActionHandler = Callable[[Context, list[str]], Awaitable[None]]
CommandHandler = Callable[[Context, str], Awaitable[None]]
TextStage = Callable[[Context], Awaitable[bool]]
Handler = Callable[[Context], Awaitable[None]]

ACTION_PATTERN = re.compile(r"^[A-Za-z0-9_.\-:]{1,64}$")
COMMAND_PATTERN = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


@dataclass
class Router:
    """Where handlers are registered."""

    actions: dict[str, ActionHandler] = field(default_factory=dict)
    commands: dict[str, CommandHandler] = field(default_factory=dict)
    text_stages: list[TextStage] = field(default_factory=list)
    on_stale: Handler | None = None
    on_unknown_command: Handler | None = None

    def action(self, prefix: str, handler: ActionHandler) -> None:
        """Handle button actions `prefix` or `prefix:arg:arg`."""
        if prefix in self.actions:
            raise ValueError(f"action prefix {prefix!r} is registered twice")
        self.actions[prefix] = handler

    def command(self, name: str, handler: CommandHandler) -> None:
        """Handle `/name [argument]`."""
        self.commands[name.lower()] = handler

    def text(self, stage: TextStage) -> None:
        """Add a text stage; stages run in order until one returns True."""
        self.text_stages.append(stage)

    async def dispatch(self, ctx: Context) -> None:
        """Run the handler for this turn's button, command or text."""
        action = ctx.inbound.action
        if action is not None:
            handler = None
            if ACTION_PATTERN.match(action):
                prefix, *args = action.split(":")
                handler = self.actions.get(prefix)
                if handler is not None:
                    await handler(ctx, args)
                    return
            if self.on_stale is not None:
                await self.on_stale(ctx)
            return
        command = COMMAND_PATTERN.match(ctx.text)
        if command:
            name, argument = command.group(1).lower(), (command.group(2) or "").strip()
            command_handler = self.commands.get(name)
            if command_handler is not None:
                await command_handler(ctx, argument)
                return
            if self.on_unknown_command is not None:
                await self.on_unknown_command(ctx)
                return
        for stage in self.text_stages:
            if await stage(ctx):
                return
