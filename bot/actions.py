"""Typed button actions: frozen dataclasses that pack into the short string a button carries.

A button's action travels through the channels as text (`s:bluezone.install:android:store:ok`,
at most 64 bytes for Telegram's callback data). Flows build and read it only through these
classes: `pack()` checks the size when the button is built, `unpack()` checks the number of
parts and each `Literal` field's value when it comes back, so no flow parses by position.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from typing import Any, ClassVar, Literal, Self, get_args, get_origin

# The longest action any channel carries (Telegram's callback_data limit, in bytes).
MAX_ACTION_BYTES = 64
ACTION_PATTERN = re.compile(r"^[A-Za-z0-9_.\-:]{1,64}$")
SEPARATOR = ":"


class ActionTooLong(ValueError):
    """An action would not fit in a button (a content id too long, say)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Action:
    """Base of every button action. Subclasses set `prefix` and declare `str`, `str | None`
    (trailing, optional) or `Literal[...]` fields, in the order they are packed."""

    prefix: ClassVar[str] = ""

    def pack(self) -> str:
        """The action as a button carries it; raises ActionTooLong over 64 bytes."""
        values = [getattr(self, field.name) for field in dataclasses.fields(self)]
        while values and values[-1] is None:
            values.pop()
        packed = SEPARATOR.join([self.prefix, *(str(value) for value in values)])
        if len(packed.encode()) > MAX_ACTION_BYTES or not ACTION_PATTERN.match(packed):
            raise ActionTooLong(f"button action {packed[:40]!r} is not 1-64 plain bytes")
        return packed

    @classmethod
    def unpack(cls, parts: list[str]) -> Self | None:
        """The action from the parts after its prefix, or None when they do not fit it."""
        fields = dataclasses.fields(cls)
        hints = typing.get_type_hints(cls)
        required = sum(
            1
            for field in fields
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        )
        if not required <= len(parts) <= len(fields):
            return None
        values: dict[str, Any] = {}
        for field, part in zip(fields, parts, strict=False):
            hint = hints[field.name]
            if get_origin(hint) is Literal and part not in get_args(hint):
                return None
            if not part:
                return None
            values[field.name] = part
        return cls(**values)


def split(action: str) -> tuple[str, list[str]] | None:
    """An action string's prefix and parts, or None when it is not a well-formed action."""
    if not ACTION_PATTERN.match(action):
        return None
    prefix, *parts = action.split(SEPARATOR)
    return prefix, parts
