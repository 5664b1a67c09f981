"""Broadcast texts are Jinja2 templates, checked before anything is sent.

A sandboxed environment with strict undefined variables: a typo fails at creation, not in
front of 100,000 people. The output is plain text; each channel escapes it for its wire
format (Telegram HTML escapes everything), so what people typed never becomes markup.

The sandbox stops a template from reaching Python; these limits stop one from stalling the
server (`{{ 9**(9**9) }}` would compute for hours on the event loop):

- `**`, `*` and `%` are checked before they run (`call_binop`): no number over
  `MAX_INT_BITS` bits, no string or list over `MAX_VALUE_CHARS`, no printf-style formatting;
- only harmless filters and string methods exist (no padding, wrapping or formatting to a
  width), `range` gives at most `MAX_RANGE` numbers, and nothing can be mutated (the
  immutable sandbox, no `namespace`), so a loop cannot grow a value from turn to turn;
- the output is counted as it is produced and stops past `MAX_RENDERED_CHARS`;
- a render taking more than `RENDER_SECONDS` (nested loops, recursive macros) is stopped.

Each refusal is a `TemplateLimitError`, a `TemplateError` whose message says what to change.
"""

from __future__ import annotations

import asyncio
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.filters import FILTERS
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = [
    "Recipient",
    "TemplateError",
    "TemplateLimitError",
    "problems",
    "problems_off_loop",
    "render",
    "render_off_loop",
]

VARIABLES = ("province", "locale")
MAX_INT_BITS = 256
MAX_VALUE_CHARS = 10_000
MAX_RANGE = 1_000
MAX_RENDERED_CHARS = 20_000
RENDER_SECONDS = 0.5
SAFE_FILTERS = (
    "abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int",
    "join", "last", "length", "list", "lower", "max", "min", "reverse", "round", "sort",
    "string", "striptags", "sum", "title", "trim", "truncate", "unique", "upper", "wordcount",
)  # fmt: skip
SAFE_STR_METHODS = frozenset(
    {"capitalize", "casefold", "endswith", "isdigit", "lower", "lstrip", "rstrip"}
    | {"split", "startswith", "strip", "swapcase", "title", "upper"}
)


class TemplateLimitError(TemplateError):
    """A broadcast template asked for more work or memory than a text may take."""


def _too_big(what: str) -> TemplateLimitError:
    return TemplateLimitError(f"{what} is too large for a broadcast text")


def _bits(value: Any) -> int:
    return value.bit_length() if isinstance(value, int) else 0


def _power_bits(base: Any, exponent: Any) -> float:
    """About how many bits `base ** exponent` takes (0 when it is not a whole-number power)."""
    if not (isinstance(base, int) and isinstance(exponent, int)) or exponent <= 0:
        return 0.0
    return exponent * math.log2(abs(base)) if abs(base) > 1 else 0.0


def _repeated(sequence: Any, times: Any) -> int:
    """The length of `sequence * times` when that repeats a string or a list."""
    if isinstance(sequence, str | list | tuple) and isinstance(times, int):
        return len(sequence) * times
    return 0


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be huge, before it runs."""
    if operator == "%" and isinstance(left, str):
        raise TemplateLimitError("'%' formatting is not available in broadcast texts")
    if operator == "**" and (
        _power_bits(left, right) > MAX_INT_BITS
        or (isinstance(right, int | float) and abs(right) > MAX_INT_BITS)
    ):
        raise _too_big(f"{left} ** {right}")
    if operator == "*" and max(_repeated(left, right), _repeated(right, left)) > MAX_VALUE_CHARS:
        raise _too_big("repeating a value that many times")
    if operator == "*" and _bits(left) + _bits(right) > MAX_INT_BITS:
        raise _too_big("the product")


def _capped_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateLimitError(f"range() may give at most {MAX_RANGE} numbers here")
    return numbers


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with the limits above."""

    intercepted_binops = frozenset({"**", "*", "%"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False)
        self.filters = {name: FILTERS[name] for name in SAFE_FILTERS}
        self.globals = {"range": _capped_range}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Check `left operator right` before computing it."""
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`str.format` pads to any width: refused (the sandbox would otherwise allow it)."""
        if super().wrap_str_format(value) is None:
            return None

        def refuse(*_args: Any, **_kwargs: Any) -> str:
            raise TemplateLimitError("'.format' is not available in broadcast texts")

        return refuse

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """String methods only from a short list (no padding or formatting to a width)."""
        if isinstance(obj, str) and callable(value):
            return attr in SAFE_STR_METHODS
        return bool(super().is_safe_attribute(obj, attr, value))


ENVIRONMENT = BoundedEnvironment()


@dataclass(frozen=True)
class Recipient:
    """What a template may use about a person (we store no names)."""

    province: str = ""
    locale: str = "vi"


@lru_cache(maxsize=64)
def _compiled(template: str) -> Template:
    return ENVIRONMENT.from_string(template)


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop the template code running in this thread once `seconds` have passed.

    A trace function sees every call and every line of the template's own code, so loops
    and recursive macros are interrupted between two steps. (The checks above keep any
    single step short.)
    """
    deadline = time.monotonic() + seconds
    previous = sys.gettrace()

    def check(frame: FrameType, _event: str, _arg: Any) -> Callable[..., Any] | None:
        if time.monotonic() > deadline:
            raise TemplateLimitError(f"the text took longer than {seconds} s to prepare")
        return check if frame.f_code.co_filename == "<template>" else None

    sys.settrace(check)
    try:
        yield
    finally:
        sys.settrace(previous)


def render(template: str, recipient: Recipient) -> str:
    """The text for one person; TemplateError (TemplateLimitError past a limit) if it fails."""
    compiled = _compiled(template)
    parts: list[str] = []
    size = 0
    with _time_limit(RENDER_SECONDS):
        for part in compiled.generate(province=recipient.province, locale=recipient.locale):
            size += len(part)
            if size > MAX_RENDERED_CHARS:
                raise TemplateLimitError(
                    f"the text would be over {MAX_RENDERED_CHARS} characters long"
                )
            parts.append(part)
    return "".join(parts)


async def render_off_loop(template: str, recipient: Recipient) -> str:
    """`render` on a worker thread, so that the event loop serves others meanwhile."""
    return await asyncio.to_thread(render, template, recipient)


def problems(texts: dict[str, str], limit: int) -> list[str]:
    """What is wrong with a broadcast's texts (empty when they can be sent)."""
    found: list[str] = []
    if not texts.get("vi"):
        found.append("a Vietnamese text is required")
    for locale, template in texts.items():
        try:
            sample = render(template, Recipient(province="Quảng Ngãi", locale=locale))
        except TemplateError as error:
            found.append(f"{locale}: {error}")
            continue
        except (ArithmeticError, RecursionError, ValueError, TypeError) as error:
            found.append(f"{locale}: {type(error).__name__}: {error}")
            continue
        if not sample.strip():
            found.append(f"{locale}: the text is empty")
        elif len(sample) > limit:
            found.append(f"{locale}: {len(sample)} characters, over the limit of {limit}")
    return found


async def problems_off_loop(texts: dict[str, str], limit: int) -> list[str]:
    """`problems` on a worker thread (an admin's text may take up to RENDER_SECONDS)."""
    return await asyncio.to_thread(problems, texts, limit)
