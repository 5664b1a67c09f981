"""Flood limits of the web chat: per person (the page's session id) and per client address.

An over-limit request gets 429 with `Retry-After` and a JSON error, before the conversation
core sees it; the page says "wait a moment". The address limit is checked first, before the
body is read, so a spray of new session ids from one address is limited too. It is generous
because a mobile carrier's NAT puts many people behind one IPv4 address (IPv6 clients count
per /64). 0 per minute turns a limit off.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.guard.address import limit_key
from bot.guard.flood import Rate, TokenBuckets
from bot.settings import whole_number

# One person: a message every 2 seconds on average, 10 at once (tapping through a guide).
SESSION = Rate(per_minute=30, burst=10)
# One address: 10 turns a second on average, 120 at once.
ADDRESS = Rate(per_minute=600, burst=120)


@dataclass(frozen=True)
class WebLimits:
    """The web chat's two rates (WEB_SESSION_* and WEB_ADDRESS_* settings)."""

    session: Rate = SESSION
    address: Rate = ADDRESS

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebLimits:
        """The limits from the environment; a wrong value stops the start, naming it."""
        return cls(
            session=Rate(
                per_minute=whole_number(
                    env, "WEB_SESSION_PER_MINUTE", SESSION.per_minute, maximum=6000
                ),
                burst=whole_number(env, "WEB_SESSION_BURST", SESSION.burst, 1, 1000),
            ),
            address=Rate(
                per_minute=whole_number(
                    env, "WEB_ADDRESS_PER_MINUTE", ADDRESS.per_minute, maximum=600_000
                ),
                burst=whole_number(env, "WEB_ADDRESS_BURST", ADDRESS.burst, 1, 100_000),
            ),
        )


class Flood:
    """The buckets behind the limits: `address` and `session` take one request each and
    say how many seconds to wait (0.0: go ahead)."""

    def __init__(self, limits: WebLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.sessions = TokenBuckets(limits.session, clock)
        self.addresses = TokenBuckets(limits.address, clock)

    def address(self, address: str) -> float:
        """One request from `address` (IPv6: its /64)."""
        return self.addresses.take(limit_key(address))

    def session(self, session: str) -> float:
        """One message from the person with this session id."""
        return self.sessions.take(session)
