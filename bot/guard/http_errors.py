"""Malformed HTTP (a header with a control character, a broken request line) is answered 400
by aiohttp itself, which also logs it as an ERROR with a traceback, once per request: anyone
could fill the log with them. This filter on aiohttp's server logger turns those into one
warning a minute per client address (refusals.py); real server errors are left alone.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

from bot.guard.refusals import RefusalLog

AIOHTTP_SERVER = "aiohttp.server"


class ParseErrors(logging.Filter):
    """Drops aiohttp's tracebacks of requests it refused with a 4xx, logging a line instead."""

    def __init__(self, refusals: RefusalLog) -> None:
        super().__init__()
        self.refusals = refusals

    def filter(self, record: logging.LogRecord) -> bool:
        """False (dropped) for a 4xx parse error, after noting it; True for anything else."""
        error = record.exc_info[1] if record.exc_info else None
        if record.levelno < logging.ERROR:  # aiohttp keeps some at DEBUG itself: left so
            return True
        if not isinstance(error, HttpProcessingError) or not 400 <= error.code < 500:
            return True
        address = str(record.args[0]) if isinstance(record.args, tuple) and record.args else "?"
        reason = (error.message or type(error).__name__).strip().splitlines()[0]
        self.refusals.refused(address, error.code, f"malformed HTTP: {reason[:120]}")
        return False


def quiet_parse_errors() -> None:
    """Install the filter on aiohttp's server logger (once, however often it is called)."""
    logger = logging.getLogger(AIOHTTP_SERVER)
    if not any(isinstance(f, ParseErrors) for f in logger.filters):
        refusals = RefusalLog(logging.getLogger(__name__), "http")
        logger.addFilter(ParseErrors(refusals))
