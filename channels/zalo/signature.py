"""Is a webhook request from Zalo, and fresh? (The formula and its sources: wire.py.)

The signature is checked against the `X-ZEvent-Timestamp` header when the request carries
one, else against the body's `timestamp` (sources disagree on which Zalo signs; a request
only verifies with the one that was signed). The timestamp that verified must be recent:
older than `max_age`, or ahead of our clock by more than `FUTURE_SKEW`, and the event is
refused. So a captured event cannot be replayed after the de-duplication of its message id
has been forgotten: ids are kept far longer than any event may be old (config.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.guard.secret import same_secret
from channels.zalo import wire

# Clocks differ a little: an event at most this far ahead of ours is still taken.
FUTURE_SKEW = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Check:
    """The verdict on a request: accepted (with the event's time) or refused with a status."""

    status: int  # 200 when accepted
    reason: str = ""
    at: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        """True when the request may be processed."""
        return self.status == 200


def matches(header: str, app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> bool:
    """Constant-time check of the header (with or without the "mac=" prefix); a header or
    timestamp with bytes that are not UTF-8, or characters that are not ASCII, never
    matches (Zalo signs a number and sends hex)."""
    given = header.strip()
    if given.lower().startswith(wire.SIGNATURE_PREFIX):
        given = given[len(wire.SIGNATURE_PREFIX) :]
    if not timestamp.isascii():
        return False
    expected = wire.signature(app_id, body, timestamp, oa_secret_key)
    return same_secret(given.lower(), expected)


def verify(
    headers: Mapping[str, str],
    body: bytes,
    data: Any,
    app_id: str,
    oa_secret_key: str,
    max_age: dt.timedelta,
    now: dt.datetime,
) -> Check:
    """Verify a webhook request's signature and freshness."""
    header = headers.get(wire.SIGNATURE_HEADER, "")
    if not header:
        return Check(401, "no signature")
    candidates = [headers.get(wire.TIMESTAMP_HEADER, "").strip()]
    if isinstance(data, dict):
        candidates.append(str(data.get("timestamp", "")).strip())
    signed = next(
        (t for t in candidates if t and matches(header, app_id, body, t, oa_secret_key)), None
    )
    if signed is None:
        return Check(401, "signature does not match")
    at = wire.event_time(signed)
    if at is None:
        return Check(400, "the signed timestamp is not a time")
    if now - at > max_age:
        return Check(403, f"stale event ({int((now - at).total_seconds())} s old)", at)
    if at - now > FUTURE_SKEW:
        return Check(403, f"event from the future ({int((at - now).total_seconds())} s ahead)", at)
    return Check(200, at=at)
