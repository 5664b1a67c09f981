"""Routes a turn to a handler: buttons by action prefix, commands by name, text through stages.

Handlers are plain typed async functions registered in one place (handlers/__init__.py), in
the spirit of aiogram's routers but without import-time decorators.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.actions import Action, split
from bot.context import Context

ActionHandler = Callable[[Context, list[str]], Awaitable[None]]
A = TypeVar("A", bound=Action)
CommandHandler = Callable[[Context, str], Awaitable[None]]
TextStage = Callable[[Context], Awaitable[bool]]
Handler = Callable[[Context], Awaitable[None]]

COMMAND_PATTERN = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


@dataclass
class Router:
    """Where handlers are registered."""

    actions: dict[str, ActionHandler] = field(default_factory=dict)
    sub_actions: dict[str, dict[str, ActionHandler]] = field(default_factory=dict)
    commands: dict[str, CommandHandler] = field(default_factory=dict)
    text_stages: list[TextStage] = field(default_factory=list)
    on_stale: Handler | None = None
    on_unknown_command: Handler | None = None

    def action(self, prefix: str, handler: ActionHandler) -> None:
        """Handle button actions `prefix` or `prefix:arg:arg`."""
        if prefix in self.actions:
            raise ValueError(f"action prefix {prefix!r} is registered twice")
        self.actions[prefix] = handler

    def on(self, action: type[A], handler: Callable[[Context, A], Awaitable[None]]) -> None:
        """Handle a typed button action; one whose parts do not fit it is out of date.

        A prefix with a separator ("bc:to") is a sub-action: "bc" actions are told apart by
        their first part, so a flow's buttons share one prefix without one handler parsing
        them all.
        """
        head, _, sub = action.prefix.partition(":")

        async def typed(ctx: Context, parts: list[str]) -> None:
            unpacked = action.unpack(parts)
            if unpacked is None:
                await self._stale(ctx)
                return
            await handler(ctx, unpacked)

        if not sub:
            self.action(head, typed)
            return
        subs = self.sub_actions.setdefault(head, {})
        if sub in subs:
            raise ValueError(f"action {action.prefix!r} is registered twice")
        subs[sub] = typed
        if head not in self.actions:
            self.action(head, self._sub_dispatch(head))

    def _sub_dispatch(self, head: str) -> ActionHandler:
        async def dispatch(ctx: Context, parts: list[str]) -> None:
            handler = self.sub_actions[head].get(parts[0]) if parts else None
            if handler is None:
                await self._stale(ctx)
                return
            await handler(ctx, parts[1:])

        return dispatch

    async def _stale(self, ctx: Context) -> None:
        if self.on_stale is not None:
            await self.on_stale(ctx)

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
            parsed = split(action)
            handler = self.actions.get(parsed[0]) if parsed is not None else None
            if parsed is not None and handler is not None:
                await handler(ctx, parsed[1])
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
