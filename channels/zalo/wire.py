"""Everything about Zalo's wire format, in one place, with where each fact comes from.

Sources (summarised in shared/facts.md, "Zalo Official Account"; they disagree in places,
which is why this is the only module that knows them):
- Webhook events and their fields: Zalo OA API v3 "Webhook" docs (developers.zalo.me);
  `user_send_text` has sender.id, recipient.id, message.text, message.msg_id, timestamp
  (epoch ms as a string), app_id; follow/unfollow have follower.id.
- Signature: header X-ZEvent-Signature, sometimes prefixed "mac=", equal to the hex
  SHA-256 (plain hash, not HMAC) of app_id + raw body + timestamp + OA secret key.
- Button clicks of type oa.query.show/oa.query.hide arrive as user_send_text carrying the
  button's payload; some sources also describe a separate click event, handled alike.
- Sending: POST /v3.0/oa/message/cs with header access_token; text at most 2000
  characters; buttons in message.attachment = {"type": "template", "payload": {"buttons"}}
  of types oa.open.url, oa.query.show, oa.query.hide, oa.open.phone ({"phone_code"});
  at most 4 buttons per message to be safe.
- Answers: {"error": 0, ...} on success; -32 rate limit; -213 not a follower; -216/-220
  access token invalid/expired; -230/-232 outside the interaction window.
- Refresh: POST {oauth}/v4/oa/access_token, form app_id, grant_type=refresh_token,
  refresh_token, header secret_key = app secret; answers a new access_token and a new
  refresh_token (the old one is single use). The same shape is used by several public
  integrations (e.g. Node and PowerShell refresh scripts for OA tokens).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

SIGNATURE_HEADER = "X-ZEvent-Signature"
SEND_PATH = "/v3.0/oa/message/cs"
REFRESH_PATH = "/v4/oa/access_token"
TEXT_LIMIT = 2000
BUTTONS_PER_MESSAGE = 4
TITLE_LIMIT = 100
# A prefix people do not type: a payload that starts with it is a button press. Typing it by
# hand is the same as pressing that button, which the core checks like any button.
PAYLOAD_PREFIX = "#hd:"

OK = 0
RATE_LIMITED = -32
NOT_FOLLOWER = -213
TOKEN_ERRORS = (-216, -220)
OUTSIDE_WINDOW = (-230, -232)

ATTACHMENT_EVENTS = {
    "user_send_image": "photo",
    "user_send_gif": "photo",
    "user_send_sticker": "sticker",
    "user_send_audio": "voice",
    "user_send_video": "video",
    "user_send_file": "document",
    "user_send_location": "location",
    "user_send_link": "link",
    "user_send_business_card": "contact",
}


def signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The hex SHA-256 Zalo puts in X-ZEvent-Signature."""
    digest = hashlib.sha256()
    digest.update(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode())
    return digest.hexdigest()


def signature_ok(header: str, app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> bool:
    """Constant-time check of the header (with or without the "mac=" prefix)."""
    given = header.strip()
    if given.startswith("mac="):
        given = given[4:]
    expected = signature(app_id, body, timestamp, oa_secret_key)
    return hmac.compare_digest(given.lower().encode(), expected.encode())


@dataclass(frozen=True)
class Event:
    """A webhook event reduced to what the core needs."""

    name: str
    user_id: str | None
    event_id: str
    text: str | None = None
    action: str | None = None
    attachment: str | None = None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def read_event(data: dict[str, Any]) -> Event:
    """Read an event; unknown kinds keep their name with no person and nothing to say."""
    name = str(data.get("event_name", ""))
    message = _mapping(data.get("message"))
    sender = _mapping(data.get("sender"))
    follower = _mapping(data.get("follower"))
    user_id = str(sender.get("id") or follower.get("id") or data.get("user_id_by_app") or "")
    msg_id = str(message.get("msg_id") or "")
    event_id = msg_id or f"{name}:{user_id}:{data.get('timestamp', '')}"
    if name == "user_send_text" or "click" in name:
        raw = message.get("text") or data.get("payload") or ""
        text = str(raw)
        if text.startswith(PAYLOAD_PREFIX):
            return Event(name, user_id or None, event_id, action=text[len(PAYLOAD_PREFIX) :])
        return Event(name, user_id or None, event_id, text=text)
    if name in ATTACHMENT_EVENTS:
        return Event(name, user_id or None, event_id, attachment=ATTACHMENT_EVENTS[name])
    return Event(name, user_id or None, event_id)


def text_message(user_id: str, text: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
    """The body of a consultation message: text, and buttons as a template attachment."""
    message: dict[str, Any] = {"text": text}
    if buttons:
        message["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
    return {"recipient": {"user_id": user_id}, "message": message}


def action_button(title: str, action: str) -> dict[str, Any]:
    """A button whose press comes back as hidden text carrying the action."""
    return {
        "title": title[:TITLE_LIMIT],
        "type": "oa.query.hide",
        "payload": PAYLOAD_PREFIX + action,
    }


def phone_button(title: str, digits: str) -> dict[str, Any]:
    """A button that calls a number with one tap."""
    return {
        "title": title[:TITLE_LIMIT],
        "type": "oa.open.phone",
        "payload": {"phone_code": digits},
    }


def url_button(title: str, url: str) -> dict[str, Any]:
    """A button that opens a web page."""
    return {"title": title[:TITLE_LIMIT], "type": "oa.open.url", "payload": {"url": url}}
