"""Running the long-lived commands on uvloop, a faster event loop, where it is installed.

uvloop (libuv under asyncio's interface) makes each turn of the event loop and each socket
operation cheaper, which matters to `serve` and `broadcast run`: they spend their time on
network I/O. (Our measurements of its share were within this machine's noise; the larger
gains in the broadcast path came from elsewhere, see README, "Why these dependencies".)
It does not exist for Windows, where the standard loop runs instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coroutine)`, on uvloop when it is available."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)
