"""Each channel's health, so one platform's outage is not everyone's.

A channel that cannot reach its platform (a firewall, an outage, a wrong base URL) is retried
in the background with backoff while the other channels serve; a refused credential stops
only that channel. `/healthz` shows each channel's state, and the log says it once per change.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Seconds between attempts to reach a platform: quick at first, then once a minute.
BACKOFF_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class ChannelState(enum.Enum):
    """Where a channel stands."""

    STARTING = "starting"
    UP = "up"
    RETRYING = "retrying"
    STOPPED = "stopped"


class ChannelRefused(Exception):
    """The platform refused the channel's credentials: retrying cannot help.

    The message names the setting to fix ("TELEGRAM_BOT_TOKEN was refused (401)").
    """


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """A channel's state, since when, and the last error in one line."""

    state: ChannelState
    since: dt.datetime
    error: str = ""

    def to_json(self) -> dict[str, str]:
        """As `/healthz` shows it."""
        status = {"state": self.state.value, "since": self.since.isoformat(timespec="seconds")}
        if self.error:
            status["error"] = self.error
        return status


def one_line(error: BaseException) -> str:
    """An error as one short line: its type and first line, never a traceback."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}"[:200] if text else type(error).__name__


class ChannelHealth:
    """The state of every installed channel."""

    def __init__(self) -> None:
        self._statuses: dict[str, ChannelStatus] = {}

    def set(self, channel: str, state: ChannelState, error: str = "") -> None:
        """Record a channel's state; a change is logged once (a failure as a warning)."""
        previous = self._statuses.get(channel)
        if previous is not None and previous.state == state and previous.error == error:
            return
        self._statuses[channel] = ChannelStatus(state, dt.datetime.now(dt.UTC), error)
        if state is ChannelState.UP:
            log.info("channel %s is up", channel)
        elif state is not ChannelState.STARTING:
            log.warning("channel %s is %s: %s", channel, state.value, error)

    def status(self, channel: str) -> ChannelStatus | None:
        """A channel's status, or None when it was never installed."""
        return self._statuses.get(channel)

    @property
    def degraded(self) -> bool:
        """True when a channel is not up."""
        return any(s.state is not ChannelState.UP for s in self._statuses.values())

    def to_json(self) -> dict[str, dict[str, str]]:
        """Every channel's status, by name."""
        return {name: status.to_json() for name, status in sorted(self._statuses.items())}


async def keep_trying(
    channel: str,
    start: Callable[[], Awaitable[None]],
    health: ChannelHealth,
    backoff: Sequence[float] = BACKOFF_SECONDS,
) -> None:
    """Start a channel, retrying with backoff until it is up or its credentials are refused."""
    attempt = 0
    health.set(channel, ChannelState.STARTING)
    while True:
        try:
            await start()
        except ChannelRefused as refused:
            health.set(channel, ChannelState.STOPPED, str(refused))
            return
        except asyncio.CancelledError:
            raise
        except Exception as error:  # any failure to reach the platform is retried
            health.set(channel, ChannelState.RETRYING, one_line(error))
            await asyncio.sleep(backoff[min(attempt, len(backoff) - 1)])
            attempt += 1
            continue
        health.set(channel, ChannelState.UP)
        return
