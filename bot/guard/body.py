"""A request body read as JSON with limits, so that odd input is a 400 and never a crash.

Python's own parser has three ways to fail on hostile JSON besides a syntax error: integers
over 4,300 digits (ValueError), nesting deeper than the interpreter's recursion limit
(RecursionError) and the non-standard `NaN` / `Infinity` / `1e999`, which it accepts but
which no database's JSON column or later `json.dumps` round trip is sure to. All of them are
refused here with one exception type; so is nesting deeper than MAX_DEPTH, which the parser
accepts but which would make any later recursive walk (serialising for the database)
fail away from the request. A `\ud800` escape without its pair would give a string that
cannot be written as UTF-8 (to a database, a log, a reply): it is read as U+FFFD, the way a
UTF-8 decoder reads broken bytes. Size is bounded before this, by the server's body limit.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Levels of arrays and objects a body may nest: a Telegram update nests about 8 (a reply's
# keyboard inside a replied-to message), a Zalo event 3, the web chat's request 1.
MAX_DEPTH = 32
# An escape of a UTF-16 surrogate (\uD800-\uDFFF): only such a body can hold a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class BadBody(ValueError):
    """The body is not acceptable JSON; the message says why, in words safe to answer with."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_json(raw: bytes) -> Any:
    """The JSON value of `raw`, which must be UTF-8 (RFC 8259: a declared charset is not
    trusted). BadBody when it is not UTF-8 or not JSON, holds a number Python will not read
    (over 4,300 digits, not finite, NaN) or nests deeper than MAX_DEPTH."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("the body is not UTF-8") from None
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_constant)
    except RecursionError:
        raise BadBody(f"the JSON nests deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise BadBody("the body is not valid JSON") from None
    if _nests_deeper(value, raw, MAX_DEPTH):
        raise BadBody(f"the JSON nests deeper than {MAX_DEPTH} levels")
    if _SURROGATE_ESCAPE.search(text):
        value = _without_lone_surrogates(value)
    return value


def read_json_object(raw: bytes) -> dict[str, Any]:
    """Like `read_json`, and the value must be a JSON object."""
    value = read_json(raw)
    if not isinstance(value, dict):
        raise BadBody("the body must be a JSON object")
    return value


def _without_lone_surrogates(value: Any) -> Any:
    """`value` with every lone surrogate read as U+FFFD (pairs were joined by the parser)."""
    text = json.dumps(value, ensure_ascii=False)
    repaired = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value if repaired == text else json.loads(repaired)


def _nests_deeper(value: Any, raw: bytes, limit: int) -> bool:
    """True when arrays and objects in `value` nest more than `limit` levels."""
    if not isinstance(value, dict | list) or raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # cannot nest deeper than it has brackets: no walk for ordinary bodies
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False
