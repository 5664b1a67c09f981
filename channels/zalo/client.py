"""Sending to Zalo: the access token, its refresh, and what each error code means for us."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import Counter
from typing import Any

import aiohttp

from bot.storage import Database, credentials
from channels.zalo import wire
from channels.zalo.config import ZaloSettings

log = logging.getLogger(__name__)

CHANNEL = "zalo"
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0)


class SendResult(enum.Enum):
    """What became of a message."""

    SENT = "sent"
    UNREACHABLE = "unreachable"  # not a follower, or outside the interaction window
    FAILED = "failed"


class ZaloClient:
    """Sends consultation messages; refreshes the token once when Zalo says it is invalid."""

    def __init__(self, settings: ZaloSettings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.counts: Counter[str] = Counter()
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._refreshing = asyncio.Lock()

    async def start(self) -> None:
        """Open the HTTP session and store the configured tokens if none are stored yet."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
        if self.settings.access_token and self.settings.refresh_token:
            await self.database.run(
                credentials.seed,
                CHANNEL,
                self.settings.access_token,
                self.settings.refresh_token,
            )
        stored = await self.database.run(credentials.load, CHANNEL)
        self._token = stored[0] if stored else (self.settings.access_token or None)
        if self._token is None:
            log.warning("zalo: no access token yet; see the README for the first OAuth grant")

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()

    async def send(self, body: dict[str, Any]) -> SendResult:
        """Send one message, following Zalo's error codes."""
        refreshed = False
        for attempt in range(self.settings.send_attempts):
            token = self._token
            if token is None:
                self.counts["failed"] += 1
                return SendResult.FAILED
            try:
                answer = await self._post(body, token)
            except (aiohttp.ClientError, TimeoutError) as error:
                log.warning("zalo: send failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)])
                continue
            code = int(answer.get("error", -1))
            if code == wire.OK:
                self.counts["sent"] += 1
                return SendResult.SENT
            if code in wire.TOKEN_ERRORS and not refreshed:
                refreshed = True
                if await self.refresh(token):
                    continue
                self.counts["failed"] += 1
                return SendResult.FAILED
            if code == wire.RATE_LIMITED:
                log.warning("zalo: rate limited; backing off")
                await asyncio.sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)])
                continue
            if code == wire.NOT_FOLLOWER or code in wire.OUTSIDE_WINDOW:
                self.counts[f"unreachable{code}"] += 1
                return SendResult.UNREACHABLE
            log.error("zalo: message refused with error %s: %s", code, answer.get("message", ""))
            self.counts["failed"] += 1
            return SendResult.FAILED
        self.counts["failed"] += 1
        return SendResult.FAILED

    async def _post(self, body: dict[str, Any], token: str) -> dict[str, Any]:
        assert self._session is not None, "start() first"
        async with self._session.post(
            self.settings.api_base_url + wire.SEND_PATH,
            json=body,
            headers={"access_token": token},
        ) as response:
            if response.status >= 500:
                raise aiohttp.ClientResponseError(
                    response.request_info, (), status=response.status, message="server error"
                )
            data: dict[str, Any] = await response.json(content_type=None)
            return data

    async def refresh(self, failed_token: str) -> bool:
        """Get a new token pair, once, under a lock; True when a usable token is in hand.

        Another process may have refreshed already (the refresh token is single use): the
        stored pair is read first, and the new pair is stored only if the stored refresh
        token is still the one used.
        """
        async with self._refreshing:
            stored = await self.database.run(credentials.load, CHANNEL)
            if stored is not None and stored[0] != failed_token:
                self._token = stored[0]
                return True
            refresh_token = stored[1] if stored else self.settings.refresh_token
            if not refresh_token or not self.settings.app_secret:
                log.error("zalo: access token rejected and no refresh token/app secret to renew it")
                return False
            try:
                pair = await self._request_refresh(refresh_token)
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                log.error("zalo: token refresh failed: %s", type(error).__name__)
                return False
            if pair is None:
                log.error("zalo: token refresh refused; an admin must redo the OAuth grant")
                return False
            access, refresh = pair
            if stored is None:
                await self.database.run(credentials.seed, CHANNEL, access, refresh)
            elif not await self.database.run(
                credentials.replace, CHANNEL, refresh_token, access, refresh
            ):
                stored = await self.database.run(credentials.load, CHANNEL)
                access = stored[0] if stored else access
            self._token = access
            self.counts["refreshed"] += 1
            log.info("zalo: access token refreshed")
            return True

    async def _request_refresh(self, refresh_token: str) -> tuple[str, str] | None:
        assert self._session is not None, "start() first"
        async with self._session.post(
            self.settings.oauth_base_url + wire.REFRESH_PATH,
            data={
                "app_id": self.settings.app_id,
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
            },
            headers={"secret_key": self.settings.app_secret},
        ) as response:
            data: dict[str, Any] = await response.json(content_type=None)
        access, refresh = data.get("access_token"), data.get("refresh_token")
        if not isinstance(access, str) or not isinstance(refresh, str) or not access:
            return None
        return access, refresh
