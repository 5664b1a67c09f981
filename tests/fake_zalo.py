"""A strict, in-process fake of the Zalo Official Account API, for tests.

It serves, on one base url, both hosts the Zalo adapter talks to:

* the OA API (``openapi.zalo.me``): ``POST /v3.0/oa/message/cs`` sends a consultation message;
* the OAuth server (``oauth.zaloapp.com``): ``POST /v4/oa/access_token`` refreshes the token pair.

It also builds the webhook events Zalo posts to the OA's webhook URL, signed the way Zalo
signs them, so that webhook tests can POST them to the adapter::

    fake = FakeZalo()
    base_url = await fake.start()   # ZALO_API_BASE_URL = ZALO_OAUTH_BASE_URL = base_url
    body, headers = fake.signed(fake.event("user_send_text", "2512345678901234567", "xin chào"))
    ...                             # POST body/headers to the adapter's webhook route
    await fake.wait_for(lambda calls: len(fake.sent("2512345678901234567")) == 1)
    await fake.stop()

Like Zalo, every answer is HTTP 200 with the error in the JSON body (``{"error": -216, ...}``);
only unknown paths get 404 (and a wrong HTTP method 405). Every request, failed or not, is
recorded in :attr:`FakeZalo.calls`.

The fake is deliberately stricter than Zalo is known to be where sources disagree (see
channels/zalo/wire.py, which cites each source): at most 4 buttons (Zalo documents 5), the
token only in the ``access_token`` header, ``recipient.user_id`` only as a string (Zalo ids
are 19-digit numbers, beyond the integers JSON parsers keep exactly), only the current access
token accepted (a refresh retires the previous one at once), the refresh token single-use.
Error messages are those of Zalo's error table as two integrations copy it (see
channels/zalo/wire.py, [PYSDK] and [GUIDE]); the fake does not import our wire module.

Modes (``FakeZalo(mode=...)``, one per documented variant of the real API that could prove
us wrong; :data:`MODES` lists them):

* ``"accepting"``: the v2-era template buttons on a consultation message are accepted.
* ``"refuses_templates"``: a message with a template attachment is refused with
  :attr:`FakeZalo.template_error` (-233 "Message type is invalid or not support"), the way
  the official PHP SDK's removal of that shape for API v3 suggests Zalo may.
* ``"header_timestamp"``: :meth:`FakeZalo.signed` signs with an ``X-ZEvent-Timestamp`` header
  (the delivery time, later than the body's ``timestamp``) instead of the body's timestamp.
* ``"quota"``: Zalo's help-centre rule: each user message allows 8 replies within 48 hours
  (the 9th is refused with -218 "Out of quota receive"); a send to someone who has not
  written within 48 hours is proactive and refused (:attr:`FakeZalo.proactive_error`, -232).
  Only messages of events built by :meth:`FakeZalo.event` count as the user's messages; a
  ``quote_message_id`` must be one of them.

Time is :meth:`FakeZalo.now_ms`, real time plus what :meth:`FakeZalo.advance` added, so a
test can move 49 hours on without sleeping. :meth:`FakeZalo.probe` posts the unsigned ``{}``
Zalo sends to check a new webhook URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import itertools
import json
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.local_server import serve
from tests.waiting import wait_until

__all__ = [
    "DOCUMENTED_ERRORS",
    "ERROR_MESSAGES",
    "MAX_BUTTONS",
    "MAX_TEXT",
    "MODES",
    "REFRESH_PATH",
    "SEND_PATH",
    "Call",
    "FakeZalo",
    "signature",
]

JSONDict = dict[str, Any]

SEND_PATH = "/v3.0/oa/message/cs"
REFRESH_PATH = "/v4/oa/access_token"

MAX_TEXT = 2000  # characters in message.text
MAX_BUTTONS = 5  # what Zalo documents; the fake refuses more than FakeZalo.max_buttons (4)
MAX_BUTTON_TITLE = 100
MAX_QUERY_PAYLOAD = 1000
MAX_SMS_CONTENT = 1000
PHONE_DIGITS = (6, 15)
BUTTON_TYPES = frozenset(
    {"oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.phone", "oa.open.sms"}
)
ACCESS_TOKEN_LIFETIME = "90000"  # seconds, as a string like Zalo (~25 hours)

# Zalo's error table ("ma-loi"), as ThinklabsDev/zalo_sdk and an integration guide copy it.
ERROR_MESSAGES: dict[int, str] = {
    -32: "Your application reached limit call api",
    -100: "Unknown error",
    -201: "<data_field> is invalid!",
    -204: "Offical Account is disable",
    -205: "Offical Account is not exist",
    -209: "Not supported this api",
    -210: "Parameter exceeds allowable limit",
    -211: "Out of quota",
    -212: "App has not registed this api",
    -213: "User has not followed OA",
    -216: "Access token is invalid",
    -217: "User has blocked invitation from OA",
    -218: "Out of quota receive",
    -219: "App is removed or disabled",
    -220: "access_token is expired or removed",
    -221: "The OA needs to be verified to use this feature",
    -223: "Official Account has not authorized this API",
    -224: "The OA needs to upgrade OA Tier Package to use this feature",
    -227: "User is banned or has been inactive for more than 45 days",
    -230: "user has not interacted with the OA in the past 7 days",
    -232: "user has not interacted with the OA",
    -233: "Message type is invalid or not support",
    -234: "This message cannot be sent at night (10:00PM - 6:00AM)",
    -235: "This API does not support this type of OA",
    -240: "MessageV2 API has been shut down, please switch to MessageV3",
    -244: "User has restricted this message type from your OA",
    -320: "Your app needs to connect with Zalo Cloud Account to use paid features",
    -321: "Zalo Cloud Account associated with this app is out of money or unable to be charged",
}
DOCUMENTED_ERRORS = tuple(sorted(code for code in ERROR_MESSAGES))
MODES = ("accepting", "refuses_templates", "header_timestamp", "quota")
REPLIES_PER_MESSAGE = 8
REPLY_WINDOW_MS = 48 * 3600 * 1000
REFRESH_ERROR = -14014
REFRESH_ERROR_NAME = "Invalid refresh token"

# Attachments of the user_send_* events: (attachment type, default payload).
_ATTACHMENT_EVENTS: dict[str, tuple[str, JSONDict]] = {
    "user_send_image": (
        "image",
        {
            "thumbnail": "https://photo-stal.zdn.vn/thumb/sample.jpg",
            "url": "https://photo-stal.zdn.vn/sample.jpg",
        },
    ),
    "user_send_gif": (
        "gif",
        {
            "thumbnail": "https://photo-stal.zdn.vn/thumb/sample.gif",
            "url": "https://photo-stal.zdn.vn/sample.gif",
        },
    ),
    "user_send_sticker": (
        "sticker",
        {"id": "8d3c2b1f", "url": "https://zalo-api.zadn.vn/api/emoticon/sticker/8d3c2b1f"},
    ),
    "user_send_location": (
        "location",
        {"coordinates": {"latitude": "21.0285", "longitude": "105.8542"}},
    ),
    "user_send_audio": ("audio", {"url": "https://voice-stal.zdn.vn/sample.aac"}),
    "user_send_video": (
        "video",
        {
            "thumbnail": "https://video-stal.zdn.vn/thumb/sample.jpg",
            "url": "https://video-stal.zdn.vn/sample.mp4",
            "description": "",
        },
    ),
    "user_send_file": (
        "file",
        {
            "url": "https://file-stal.zdn.vn/sample.pdf",
            "name": "sample.pdf",
            "size": "10240",
            "type": "pdf",
            "checksum": "0123456789abcdef0123456789abcdef",
        },
    ),
}
_FOLLOW_EVENTS = frozenset({"follow", "unfollow"})


def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """Hex SHA-256 of ``app_id + raw_body + timestamp + oa_secret_key`` (plain SHA-256, not
    HMAC), what Zalo puts after ``mac=`` in ``X-ZEvent-Signature``."""
    digest = hashlib.sha256()
    digest.update(app_id.encode("utf-8"))
    digest.update(raw_body)
    digest.update(timestamp.encode("utf-8"))
    digest.update(oa_secret_key.encode("utf-8"))
    return digest.hexdigest()


@dataclass
class Call:
    """One request made to the fake.

    ``method`` is ``"send"``, ``"refresh"`` or ``"unknown"`` (an unknown path or HTTP method);
    ``headers`` has lower-cased names; ``body`` is the decoded JSON object of a send, the form
    fields of a refresh (``{"_raw": text}`` when the body could not be decoded); ``answer`` is
    the JSON the fake answered and ``status`` its HTTP status (200 unless the path is unknown).
    """

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    answer: dict[str, Any]
    status: int = 200

    @property
    def error(self) -> int:
        """The answer's ``error`` (0 for a success, also for a refresh that has none)."""
        error = self.answer.get("error", 0)
        return error if isinstance(error, int) else -1

    @property
    def ok(self) -> bool:
        """Whether the request succeeded (HTTP 200 and error 0)."""
        return self.status == 200 and self.error == 0

    @property
    def user_id(self) -> str | None:
        """``recipient.user_id`` of a send, if there is one."""
        recipient = self.body.get("recipient")
        if isinstance(recipient, dict):
            user_id = recipient.get("user_id")
            return user_id if isinstance(user_id, str) else None
        return None

    @property
    def text(self) -> str | None:
        """``message.text`` of a send, if there is one."""
        message = self.body.get("message")
        if isinstance(message, dict):
            text = message.get("text")
            return text if isinstance(text, str) else None
        return None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """``message.attachment.payload.buttons`` of a send ([] when there are none)."""
        message = self.body.get("message")
        attachment = message.get("attachment") if isinstance(message, dict) else None
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        buttons = payload.get("buttons") if isinstance(payload, dict) else None
        return [b for b in buttons if isinstance(b, dict)] if isinstance(buttons, list) else []

    def __repr__(self) -> str:
        body = json.dumps(self.body, ensure_ascii=False)
        if len(body) > 300:
            body = body[:300] + "…"
        answer = json.dumps(self.answer, ensure_ascii=False)
        return f"Call({self.method} {self.path} {body} -> {self.status} {answer})"


class _ZaloError(Exception):
    """An error answer of the OA API: ``{"error": code, "message": message}``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def answer(self) -> JSONDict:
        return {"error": self.code, "message": self.message}


def _invalid(detail: str) -> _ZaloError:
    return _ZaloError(-201, f"Parameters invalid: {detail}")


def _check_keys(value: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _invalid(f"unknown field(s) in {where}: {', '.join(unknown)}")


def _check_string(value: Any, where: str, low: int, high: int) -> str:
    if not isinstance(value, str):
        raise _invalid(f"{where} must be a string")
    if not low <= len(value) <= high:
        raise _invalid(f"{where} must have {low}..{high} characters, got {len(value)}")
    return value


def _check_phone(value: Any, where: str) -> None:
    low, high = PHONE_DIGITS
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        raise _invalid(f"{where} must be a string of digits")
    if not low <= len(value) <= high:
        raise _invalid(f"{where} must have {low}..{high} digits, got {len(value)}")


def _check_button(button: Any, index: int) -> None:
    where = f"buttons[{index}]"
    if not isinstance(button, dict):
        raise _invalid(f"{where} must be an object")
    _check_keys(button, frozenset({"title", "type", "payload", "image_icon"}), where)
    _check_string(button.get("title"), f"{where}.title", 1, MAX_BUTTON_TITLE)
    kind = button.get("type")
    if kind not in BUTTON_TYPES:
        raise _invalid(f"{where}.type {kind!r} is not one of {', '.join(sorted(BUTTON_TYPES))}")
    payload = button.get("payload")
    if kind in ("oa.query.show", "oa.query.hide"):
        _check_string(payload, f"{where}.payload", 1, MAX_QUERY_PAYLOAD)
        return
    if not isinstance(payload, dict):
        raise _invalid(f"{where}.payload must be an object for {kind}")
    if kind == "oa.open.url":
        _check_keys(payload, frozenset({"url"}), f"{where}.payload")
        url = payload.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise _invalid(f"{where}.payload.url must be an http(s) URL, got {url!r}")
    elif kind == "oa.open.phone":
        _check_keys(payload, frozenset({"phone_code"}), f"{where}.payload")
        _check_phone(payload.get("phone_code"), f"{where}.payload.phone_code")
    else:  # oa.open.sms
        _check_keys(payload, frozenset({"content", "phone_code"}), f"{where}.payload")
        _check_string(payload.get("content"), f"{where}.payload.content", 1, MAX_SMS_CONTENT)
        _check_phone(payload.get("phone_code"), f"{where}.payload.phone_code")


def _check_attachment(attachment: Any, max_buttons: int) -> None:
    if not isinstance(attachment, dict):
        raise _invalid("message.attachment must be an object")
    _check_keys(attachment, frozenset({"type", "payload"}), "message.attachment")
    if attachment.get("type") != "template":
        raise _invalid(
            f"message.attachment.type must be 'template', got {attachment.get('type')!r}"
        )
    payload = attachment.get("payload")
    if not isinstance(payload, dict):
        raise _invalid("message.attachment.payload must be an object")
    _check_keys(payload, frozenset({"buttons", "template_type"}), "message.attachment.payload")
    if "template_type" in payload and not isinstance(payload["template_type"], str):
        raise _invalid("message.attachment.payload.template_type must be a string")
    buttons = payload.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise _invalid("message.attachment.payload.buttons must be a non-empty list")
    if len(buttons) > MAX_BUTTONS:
        raise _invalid(f"at most {MAX_BUTTONS} buttons, got {len(buttons)}")
    if len(buttons) > max_buttons:
        raise _invalid(
            f"at most {max_buttons} buttons (the fake's limit, below Zalo's {MAX_BUTTONS}), "
            f"got {len(buttons)}"
        )
    for index, button in enumerate(buttons):
        _check_button(button, index)


def _check_send_body(body: JSONDict, max_buttons: int) -> str:
    """Validate a consultation message; return the recipient's user_id."""
    _check_keys(body, frozenset({"recipient", "message"}), "the body")
    recipient = body.get("recipient")
    if not isinstance(recipient, dict):
        raise _invalid("recipient is required")
    _check_keys(recipient, frozenset({"user_id"}), "recipient")
    user_id = recipient.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise _invalid("recipient.user_id must be a non-empty string")
    message = body.get("message")
    if not isinstance(message, dict):
        raise _invalid("message is required")
    _check_keys(message, frozenset({"text", "attachment", "quote_message_id"}), "message")
    if "text" not in message and "attachment" not in message:
        raise _invalid("message needs text or attachment")
    if "text" in message:
        _check_string(message["text"], "message.text", 1, MAX_TEXT)
    if "attachment" in message:
        _check_attachment(message["attachment"], max_buttons)
    if "quote_message_id" in message and not isinstance(message["quote_message_id"], str):
        raise _invalid("message.quote_message_id must be a string")
    return user_id


def _has_template(body: JSONDict) -> bool:
    message = body.get("message")
    attachment = message.get("attachment") if isinstance(message, dict) else None
    return isinstance(attachment, dict) and attachment.get("type") == "template"


class FakeZalo:
    """A strict local Zalo OA API + OAuth v4 server (aiohttp) for one OA.

    Attributes:
        app_id, app_secret: the Zalo app; the refresh endpoint wants ``app_id`` in the form and
            ``app_secret`` in the ``secret_key`` header.
        oa_secret_key: the OA secret key that signs webhook events (:meth:`signed`).
        oa_id: the OA's id (``recipient.id`` of user events, ``oa_id`` of follow events).
        access_token, refresh_token: the pair last issued. Sends must carry exactly this
            access token (unless :meth:`expire_access_token` retired it); the refresh token
            works once.
        max_buttons: sends with more buttons are refused with -201 (default 4).
        not_followers: sends to these user ids answer -213 (the user does not follow the OA).
        outside_window: sends to these user ids answer ``window_error`` (default -230: outside
            the interaction window).
        mode: one of :data:`MODES` (see the module's docstring).
        template_error: the code a template is refused with in ``"refuses_templates"``.
        proactive_error: the code a send outside the 48-hour window gets in ``"quota"``.
        calls: every request in arrival order, failed ones included.
        base_url: ``http://127.0.0.1:PORT`` once started.
    """

    def __init__(
        self,
        app_id: str = "1234567890123456789",
        app_secret: str = "app-secret-0123456789",
        oa_secret_key: str = "oa-secret-key-ABCDEFGHIJ",
        access_token: str = "access-1",
        refresh_token: str = "refresh-1",
        *,
        oa_id: str = "579745863508352884",
        max_buttons: int = 4,
        mode: str = "accepting",
    ) -> None:
        """Prepare the server (not started yet)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.mode = mode
        self.template_error = -233
        self.proactive_error = -232
        self.app_id = app_id
        self.app_secret = app_secret
        self.oa_secret_key = oa_secret_key
        self.oa_id = oa_id
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.max_buttons = max_buttons
        self.not_followers: set[str] = set()
        self.outside_window: set[str] = set()
        self.window_error = -230
        self.calls: list[Call] = []
        self.base_url: str | None = None

        self._generation = itertools.count(2)
        self._expired: dict[str, tuple[int, str]] = {}
        self._send_failures: deque[_ZaloError] = deque()
        self._refresh_failures = 0
        self._last_timestamp = 0
        self._offset_ms = 0
        # "quota" mode: each user's messages (msg_id -> epoch ms) and replies to the last one.
        self._messages: dict[str, dict[str, int]] = {}
        self._last_message: dict[str, int] = {}
        self._replies: dict[str, int] = {}
        self._condition = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    # --- lifecycle --------------------------------------------------------------------------
    async def start(self) -> str:
        """Serve on 127.0.0.1 on a free port; return the base url (no trailing slash), to use
        for both ZALO_API_BASE_URL and ZALO_OAUTH_BASE_URL."""
        self._runner, address = await serve(self._handle)
        self.base_url = address
        return self.base_url

    async def stop(self) -> None:
        """Shut the server down."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeZalo:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- what the adapter did ---------------------------------------------------------------
    def sent(self, user_id: str | None = None) -> list[Call]:
        """Successful sends (error 0), in order; only those to ``user_id`` when given."""
        return [
            call
            for call in self.calls
            if call.method == "send" and call.ok and (user_id is None or call.user_id == user_id)
        ]

    def texts(self, user_id: str | None = None) -> list[str]:
        """``message.text`` of each successful send (to ``user_id``), in order."""
        return [call.text for call in self.sent(user_id) if call.text is not None]

    def refreshed(self) -> list[Call]:
        """Successful token refreshes, in order."""
        return [call for call in self.calls if call.method == "refresh" and call.ok]

    async def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate(self.calls)`` is true; it is re-checked after every request.

        Raises AssertionError listing the recent calls if it is still false after ``timeout``.
        """
        await wait_until(self._condition, self.calls, lambda _: predicate(self.calls), timeout)

    async def wait_sent(
        self, count: int, user_id: str | None = None, timeout: float = 5.0
    ) -> list[Call]:
        """Wait until there are ``count`` successful sends (to ``user_id``); return them."""
        await self.wait_for(lambda _: len(self.sent(user_id)) >= count, timeout)
        return self.sent(user_id)[:count]

    # --- misbehaviour on demand -------------------------------------------------------------
    def fail_next(self, error: int, message: str | None = None, times: int = 1) -> None:
        """Make the next ``times`` sends that pass the token check answer
        ``{"error": error, "message": message}`` (before any validation).

        E.g. -32 rate limit, -213 not a follower, -230 / -232 outside the interaction window.
        ``message`` defaults to :data:`ERROR_MESSAGES`.
        """
        text = message if message is not None else ERROR_MESSAGES.get(error, f"Error {error}")
        for _ in range(times):
            self._send_failures.append(_ZaloError(error, text))

    def expire_access_token(self, error: int = -216, message: str | None = None) -> None:
        """Retire the current access token: sends with it answer ``error`` (-216 "invalid" by
        default, or -220 "expired"). The refresh token stays valid."""
        text = message if message is not None else ERROR_MESSAGES.get(error, f"Error {error}")
        self._expired[self.access_token] = (error, text)

    def fail_refresh(self, times: int = 1) -> None:
        """Make the next ``times`` refreshes answer error -14014 without rotating the pair."""
        self._refresh_failures += times

    # --- time ---------------------------------------------------------------------------------
    def now_ms(self) -> int:
        """The fake's time: epoch milliseconds, plus whatever :meth:`advance` added."""
        return int(time.time() * 1000) + self._offset_ms

    def now(self) -> dt.datetime:
        """:meth:`now_ms` as an aware datetime (to share one clock with the adapter)."""
        return dt.datetime.fromtimestamp(self.now_ms() / 1000, dt.UTC)

    def advance(self, **delta: float) -> None:
        """Move the fake's clock on, e.g. ``advance(hours=49)``, without waiting."""
        self._offset_ms += int(dt.timedelta(**delta).total_seconds() * 1000)

    # --- registration probe -------------------------------------------------------------------
    async def probe(self, url: str) -> int:
        """POST the unsigned ``{}`` Zalo sends to check a new webhook URL; the HTTP status."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=b"{}", headers={"Content-Type": "application/json"}) as answer,
        ):
            return answer.status

    # --- webhook events ---------------------------------------------------------------------
    def user_id_by_app(self, user_id: str) -> str:
        """The (stable, made-up) app-scoped id Zalo reports next to an OA-scoped user id."""
        digest = hashlib.sha256(f"{self.app_id}:{user_id}".encode()).hexdigest()
        return str(1_000_000_000_000_000_000 + int(digest, 16) % 9_000_000_000_000_000_000)

    def event(
        self,
        event_name: str,
        user_id: str,
        text: str | None = None,
        msg_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Build a webhook event as Zalo posts it.

        * ``user_send_text`` (``text`` required): ``app_id``, ``user_id_by_app``, ``event_name``,
          ``timestamp`` (epoch ms, a string), ``sender.id`` (the user), ``recipient.id`` (the
          OA), ``message.text`` and ``message.msg_id``.
        * ``follow`` / ``unfollow``: ``app_id``, ``oa_id``, ``user_id_by_app``, ``event_name``,
          ``timestamp``, ``source`` and ``follower.id``.
        * ``user_send_image`` / ``_gif`` / ``_sticker`` / ``_location`` / ``_audio`` /
          ``_video`` / ``_file``: like a text event with ``message.attachments``
          (``[{"type", "payload"}]``) and ``message.text`` only if ``text`` is given.
        * ``oa_send_*`` (the OA's own messages echoed back): sender is the OA, recipient the user.
        * any other name: the common fields, plus ``message`` if ``text``/``msg_id`` is given.

        ``msg_id`` is a fresh unique id when not given; timestamps strictly increase. The
        ``attachments`` keyword replaces ``message.attachments``; other ``extra`` keywords are
        set (or override) at the top level, e.g. ``timestamp="..."`` or ``source="qr_code"``.
        """
        event: JSONDict = {
            "app_id": self.app_id,
            "user_id_by_app": self.user_id_by_app(user_id),
            "event_name": event_name,
            "timestamp": self._timestamp(),
        }
        attachments = extra.pop("attachments", None)
        if event_name in _FOLLOW_EVENTS:
            event["oa_id"] = self.oa_id
            event["source"] = "oa_profile"
            event["follower"] = {"id": user_id}
            event.update(extra)
            return event
        if event_name.startswith("oa_send_"):
            event["sender"] = {"id": self.oa_id}
            event["recipient"] = {"id": user_id}
        else:
            event["sender"] = {"id": user_id}
            event["recipient"] = {"id": self.oa_id}
        message: JSONDict = {}
        if event_name in ("user_send_text", "oa_send_text") and text is None:
            raise ValueError(f"{event_name} needs a text")
        if text is not None:
            message["text"] = text
        if event_name in _ATTACHMENT_EVENTS or attachments is not None:
            if attachments is None:
                kind, payload = _ATTACHMENT_EVENTS[event_name]
                attachments = [{"type": kind, "payload": json.loads(json.dumps(payload))}]
            message["attachments"] = attachments
        if message or msg_id is not None or event_name.startswith(("user_send_", "oa_send_")):
            message["msg_id"] = msg_id if msg_id is not None else uuid.uuid4().hex
            event["message"] = message
        event.update(extra)
        if event_name.startswith("user_send_"):
            self._remember(user_id, str(message["msg_id"]), event.get("timestamp"))
        return event

    def _remember(self, user_id: str, msg_id: str, timestamp: Any) -> None:
        """A message from the user: a new 48-hour window with 8 replies ("quota" mode)."""
        stamp = int(timestamp) if str(timestamp).isdigit() else self.now_ms()
        self._messages.setdefault(user_id, {})[msg_id] = stamp
        self._last_message[user_id] = stamp
        self._replies[user_id] = 0

    def signed(
        self, event: dict[str, Any], secret: str | None = None, *, mac_prefix: bool = True
    ) -> tuple[bytes, dict[str, str]]:
        """Serialise ``event`` (compact UTF-8 JSON, non-ASCII kept as is) and sign it.

        Returns the raw body and the headers ``Content-Type: application/json`` and
        ``X-ZEvent-Signature: mac=<sha256 hex of app_id + raw_body + timestamp + key>``, with
        ``app_id`` and ``timestamp`` taken from the event and ``key`` the OA secret key, or
        ``secret`` when given (to make a wrong signature). ``mac_prefix=False`` leaves out
        ``mac=`` (some sources report that form).
        """
        raw = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        key = self.oa_secret_key if secret is None else secret
        headers = {"Content-Type": "application/json"}
        stamp = str(event.get("timestamp", ""))
        if self.mode == "header_timestamp":
            # The delivery time, a little after the event: a different number from the body's.
            body_stamp = int(stamp) if stamp.isdigit() else 0
            stamp = str(max(self.now_ms(), body_stamp + 1))
            headers["X-ZEvent-Timestamp"] = stamp
        mac = signature(str(event.get("app_id", self.app_id)), raw, stamp, key)
        headers["X-ZEvent-Signature"] = f"mac={mac}" if mac_prefix else mac
        return raw, headers

    # --- HTTP -------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        path = request.path
        headers = {name.lower(): value for name, value in request.headers.items()}
        known = {SEND_PATH: "send", REFRESH_PATH: "refresh"}.get(path)
        if known is None or request.method != "POST":
            status = 404 if known is None else 405
            answer: JSONDict = {
                "error": status,
                "message": "Not Found" if known is None else "Method Not Allowed",
            }
            raw = await request.text() if request.can_read_body else ""
            return await self._record(
                Call("unknown", path, headers, {"_raw": raw} if raw else {}, answer, status)
            )
        if known == "send":
            body, answer = await self._send(request, headers)
        else:
            body, answer = await self._refresh(request, headers)
        return await self._record(Call(known, path, headers, body, answer))

    async def _record(self, call: Call) -> web.Response:
        self.calls.append(call)
        async with self._condition:
            self._condition.notify_all()
        return web.json_response(call.answer, status=call.status)

    async def _send(
        self, request: web.Request, headers: dict[str, str]
    ) -> tuple[JSONDict, JSONDict]:
        raw = await request.text()
        body: JSONDict
        decoded: Any = None
        with contextlib.suppress(ValueError):
            decoded = json.loads(raw) if raw else None
        body = decoded if isinstance(decoded, dict) else ({"_raw": raw} if raw else {})
        try:
            token = headers.get("access_token")
            if token is not None and token in self._expired:
                raise _ZaloError(*self._expired[token])
            if token is None or token != self.access_token:
                raise _ZaloError(-216, ERROR_MESSAGES[-216])
            if self._send_failures:
                raise self._send_failures.popleft()
            if request.content_type != "application/json":
                raise _invalid(f"Content-Type must be application/json, got {request.content_type}")
            if not isinstance(decoded, dict):
                raise _invalid("the body must be a JSON object")
            if self.mode == "refuses_templates" and _has_template(decoded):
                raise _ZaloError(self.template_error, ERROR_MESSAGES[self.template_error])
            user_id = _check_send_body(decoded, self.max_buttons)
            if user_id in self.not_followers:
                raise _ZaloError(-213, ERROR_MESSAGES[-213])
            if user_id in self.outside_window:
                error = self.window_error
                raise _ZaloError(error, ERROR_MESSAGES.get(error, f"Error {error}"))
            self._check_quote(decoded, user_id)
            if self.mode == "quota":
                self._count_reply(user_id)
        except _ZaloError as error:
            return body, error.answer()
        data = {"message_id": uuid.uuid4().hex, "user_id": user_id}
        return body, {"error": 0, "message": "Success", "data": data}

    async def _refresh(
        self, request: web.Request, headers: dict[str, str]
    ) -> tuple[JSONDict, JSONDict]:
        form_encoded = request.content_type == "application/x-www-form-urlencoded"
        body: JSONDict
        if form_encoded:
            form = await request.post()
            body = {name: str(value) for name, value in form.items()}
        else:
            raw = await request.text()
            body = {"_raw": raw} if raw else {}

        def refused(description: str) -> tuple[JSONDict, JSONDict]:
            return body, {
                "error": REFRESH_ERROR,
                "error_name": REFRESH_ERROR_NAME,
                "error_description": description,
            }

        if self._refresh_failures:
            self._refresh_failures -= 1
            return refused("The refresh token is invalid (failure injected by the test)")
        if headers.get("secret_key") != self.app_secret:
            return refused("The secret_key header does not match the app secret")
        if not form_encoded:
            return refused("The body must be application/x-www-form-urlencoded")
        if body.get("app_id") != self.app_id:
            return refused(f"app_id {body.get('app_id')!r} does not match the app")
        if body.get("grant_type") != "refresh_token":
            return refused(f"grant_type must be 'refresh_token', got {body.get('grant_type')!r}")
        if body.get("refresh_token") != self.refresh_token:
            return refused("The refresh token is invalid, expired or already used")
        generation = next(self._generation)
        self.access_token = f"access-{generation}"
        self.refresh_token = f"refresh-{generation}"
        return body, {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": ACCESS_TOKEN_LIFETIME,
        }

    def _check_quote(self, body: JSONDict, user_id: str) -> None:
        message = body.get("message")
        quoted = message.get("quote_message_id") if isinstance(message, dict) else None
        if quoted is not None and quoted not in self._messages.get(user_id, {}):
            raise _invalid(f"quote_message_id {quoted!r} is not a message of this user")

    def _count_reply(self, user_id: str) -> None:
        """The help centre's rule: 8 replies per user message within 48 hours; anything
        else is proactive, which this (unverified) OA may not send."""
        last = self._last_message.get(user_id)
        if last is None or self.now_ms() - last > REPLY_WINDOW_MS:
            error = self.proactive_error
            raise _ZaloError(error, ERROR_MESSAGES.get(error, f"Error {error}"))
        if self._replies.get(user_id, 0) >= REPLIES_PER_MESSAGE:
            raise _ZaloError(-218, ERROR_MESSAGES[-218])
        self._replies[user_id] = self._replies.get(user_id, 0) + 1

    def _timestamp(self) -> str:
        now = max(self.now_ms(), self._last_timestamp + 1)
        self._last_timestamp = now
        return str(now)
