"""Sending to Zalo: the access token, its refresh, and retries (what each code means: errors.py)."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.health import ChannelHealth, ChannelState
from bot.retry import BACKOFF_SECONDS, backoff
from bot.storage.channel_store import ChannelStore
from channels.zalo import wire
from channels.zalo.config import ZaloSettings
from channels.zalo.errors import Verdict, verdict

log = logging.getLogger(__name__)

CHANNEL = "zalo"
NETWORK_ERROR = -1  # our code for "no answer" (a network error or a 5xx), never Zalo's


@dataclass(frozen=True)
class Answer:
    """What became of one message: the verdict and Zalo's code and words for it."""

    verdict: Verdict
    code: int = wire.OK
    message: str = ""


class ZaloClient:
    """Sends consultation messages; refreshes the token once when Zalo says it is invalid."""

    def __init__(
        self,
        settings: ZaloSettings,
        store: ChannelStore,
        health: ChannelHealth | None = None,
        backoff: Sequence[float] = BACKOFF_SECONDS,
    ) -> None:
        self.settings = settings
        self.store = store
        self.health = health or ChannelHealth()
        self.backoff = tuple(backoff) or (0.0,)
        self.counts: Counter[str] = Counter()
        self.refreshed = False  # a refresh happened since start (for `helpdesk zalo check`)
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._refreshing = asyncio.Lock()

    async def start(self) -> None:
        """Open the HTTP session and store the configured tokens if none are stored yet."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
        if self.settings.access_token and self.settings.refresh_token:
            await self.store.seed_credentials(
                self.settings.access_token, self.settings.refresh_token
            )
        stored = await self.store.credentials()
        self._token = stored[0] if stored else (self.settings.access_token or None)
        if self._token is None:
            self._stopped("ZALO_ACCESS_TOKEN is not set: see the README for the first OAuth grant")
        else:
            self.health.set(CHANNEL, ChannelState.UP)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()

    async def send(self, body: dict[str, Any]) -> Answer:
        """Send one message: retry what passes, refresh the token once, report the rest."""
        refreshed = False
        answer = Answer(Verdict.FAIL, NETWORK_ERROR, "not sent")
        for attempt in range(max(1, self.settings.send_attempts)):
            token = self._token
            if token is None:
                break
            answer = await self._attempt(body, token)
            if answer.verdict is Verdict.REFRESH and not refreshed:
                refreshed = True
                if await self.refresh(token):
                    continue
                break
            if answer.verdict is Verdict.RETRY:
                log.warning("zalo: send failed (%s); retrying", answer.code)
                await asyncio.sleep(backoff(attempt, self.backoff))
                continue
            break
        self.counts[answer.verdict.value] += 1
        if answer.verdict is Verdict.SENT:
            self.health.set(CHANNEL, ChannelState.UP)
        elif answer.verdict in (Verdict.FAIL, Verdict.SHAPE):
            log.error("zalo: message refused with error %s: %s", answer.code, answer.message)
        return answer

    async def _attempt(self, body: dict[str, Any], token: str) -> Answer:
        try:
            data = await self._post(body, token)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            return Answer(Verdict.RETRY, NETWORK_ERROR, type(error).__name__)
        raw = data.get("error", NETWORK_ERROR)
        code = raw if isinstance(raw, int) else NETWORK_ERROR
        return Answer(verdict(code), code, str(data.get("message", "")))

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
            data: Any = await response.json(content_type=None)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            return data

    async def refresh(self, failed_token: str) -> bool:
        """Get a new token pair, once, under a lock; True when a usable token is in hand.

        Another process may have refreshed already (the refresh token is single use): the
        stored pair is read first, and the new pair is stored only if the stored refresh
        token is still the one used. When the stored refresh token is refused and
        ZALO_REFRESH_TOKEN holds another one (an admin redid the grant), that one is tried.
        """
        async with self._refreshing:
            stored = await self.store.credentials()
            if stored is not None and stored[0] != failed_token:
                self._token = stored[0]
                return True
            if not self.settings.app_secret:
                self._stopped("ZALO_APP_SECRET is needed to renew the refused access token")
                return False
            candidates = [stored[1]] if stored else []
            if self.settings.refresh_token and self.settings.refresh_token not in candidates:
                candidates.append(self.settings.refresh_token)
            if not candidates:
                self._stopped("ZALO_REFRESH_TOKEN is needed to renew the refused access token")
                return False
            for refresh_token in candidates:
                try:
                    pair = await self._request_refresh(refresh_token)
                except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                    log.error("zalo: token refresh failed: %s", type(error).__name__)
                    return False
                if pair is not None:
                    await self._store(stored, refresh_token, pair)
                    return True
            self._stopped(
                "ZALO_REFRESH_TOKEN was refused by Zalo (so was the one stored after the last "
                "refresh): redo the OAuth grant (README, Zalo step 3)"
            )
            return False

    async def _store(
        self, stored: tuple[str, str] | None, used: str, pair: tuple[str, str]
    ) -> None:
        access, refresh = pair
        if stored is None:
            await self.store.seed_credentials(access, refresh)
        elif not await self.store.replace_credentials(stored[1], access, refresh):
            current = await self.store.credentials()
            access = current[0] if current else access
        elif used != stored[1]:
            log.info("zalo: the refresh token from ZALO_REFRESH_TOKEN replaced the stored one")
        self._token = access
        self.refreshed = True
        self.counts["refreshed"] += 1
        self.health.set(CHANNEL, ChannelState.UP)
        log.info("zalo: access token refreshed")

    def _stopped(self, why: str) -> None:
        self.health.set(CHANNEL, ChannelState.STOPPED, why)

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
            data: Any = await response.json(content_type=None)
        if not isinstance(data, dict):
            return None
        access, refresh = data.get("access_token"), data.get("refresh_token")
        if not isinstance(access, str) or not isinstance(refresh, str) or not access:
            return None
        return access, refresh
