"""python-telegram-bot's network layer on aiohttp instead of httpx.

PTB lets an application bring its own `BaseRequest` (the documented extension point for
custom network backends: `ApplicationBuilder.request()` and `.get_updates_request()`). We
use aiohttp, which the server already depends on, because it is several times cheaper per
call than PTB's default httpx backend: measured on our 2-core machines against a local
server, httpx cost 1.2-2.5 ms of CPU per sendMessage (most of it in httpcore's connection
pool bookkeeping, and without `sniffio` installed a failed import on every request), aiohttp
0.3-0.5 ms. Broadcasts at 1,000 messages per second need the cheaper one. PTB still does
everything else: parameters, parsing of answers, and turning status codes into exceptions.
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one aiohttp session with at most `connections` open connections."""

    def __init__(
        self,
        connections: int = 64,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self.connections = connections
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        # Told the HTTP status of every answer (the polling request: a poll that works again
        # after an outage puts the channel's health back to up).
        self.answered: Callable[[int], None] | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long-polling timeout to it)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (PTB calls this from `Application.initialize`)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.connections)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP request; network problems become PTB's `TimedOut` / `NetworkError`."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = self._write_timeout if isinstance(write_timeout, DefaultValue) else write_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp has no separate write timeout: sending a small form is bounded by the read
        # timeout's clock instead (sock_read starts after the request is written), so the
        # write allowance is added to the connect budget, which covers getting a connection.
        timeout = aiohttp.ClientTimeout(
            connect=_sum(connect, pool, write),
            sock_connect=connect,
            sock_read=read,
        )
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None:
            if request_data.contains_files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mime) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mime)
                data = form
            else:
                # Encoded here: aiohttp's own path for a dict (a FormData) costs several
                # times more per request.
                data = request_data.url_encoded_parameters().encode()
                headers = FORM_HEADERS
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                status, body = response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        if self.answered is not None:
            self.answered(status)
        return status, body


def _sum(*parts: float | None) -> float | None:
    """Total of the given timeouts; None (no limit) if any is None."""
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)
