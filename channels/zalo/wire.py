"""Everything about Zalo's wire format, in one place, with where each fact comes from.

It is longer than the 300 lines other modules keep to because every wire fact carries its
citation and the conflicts between sources; splitting it would scatter the evidence.

Zalo's own documentation site (developers.zalo.me) is a script-rendered page that no stored
copy here could read, so each fact below names the files and pages it was read from. Sources
(all read 2026-11-28; pages are stored copies of the address given):

[PHP]   zaloplatform/zalo-php-sdk @ 6bacb1bea670ce1fa9f1ae616bbbfd92742e20aa (official SDK):
        src/ZaloEndPoint.php, src/Builder/MessageBuilder.php,
        src/Common/TransactionTemplateType.php, README.md. Its commit
        1702d94d919bb755cb8efe18323eb60fe49ee4a5 "support official account api v3" removed
        `attachment.payload.buttons` from the text message and marks `withButton` "does not
        support for Official Account API V3".
[NET]   zaloplatform/ZaloDotNetSDK @ 62e9b722ce945d4d8c743fed2fcd60d974a0efcf (official SDK):
        src/sdk/oa/ZaloClient.cs (the "Official Account API V3" section),
        src/sdk/utils/JsonUtils.cs, src/sdk/entities/oa/TransactionTemplateType.cs.
[JAVA]  zaloplatform/zalo-java-sdk @ d869903f0174ea14a41e1d6f51be99a74f8a1770 (official SDK):
        src/main/java/com/vng/zalo/sdk/utils/MacUtils.java, src/test/java/v3/*.java,
        src/test/java/GetAccessTokenByRefreshToken.java.
[CW]    chatwoot/chatwoot (a Chatwoot-derived Zalo OA integration in that repository's history):
        app/jobs/webhooks/zalo_events_job.rb @ 314d9922f6eebfc7b630b7cd7153add31fab2220,
        app/models/channel/zalo_oa.rb @ 14013dc18635abddd58cd32655c6cacbba42c3ba,
        app/services/zalo/send_on_zalo_service.rb @ 69a2c0f51913aae9c7332ce30d3c9f10c468e277.
[PYSDK] ThinklabsDev/zalo_sdk @ a60f0d991d048a7b6f1710eeb745ed185732f5cf:
        zalo_sdk/zalo_oa_exception.py (the error table, citing
        https://developers.zalo.me/docs/official-account/phu-luc/ma-loi).
[GUIDE] hoangnd25/monorepo @ a042cecb8ebc9d0d33ae89cedfbeaf56946b7ac9:
        wip/zalo-platform-integration.md (an integration guide; its "Complete Error Code
        Reference" table agrees with [PYSDK] row for row and adds -220).
[SUBIZ] subiz/subiz.com @ 77f4935d3c3026d4f8a55b87f3dfced5eb482447:
        docs/110-xu-ly-tinh-huong/6.-xu-ly-loi-zalo-oa.md (a maintained product's error help).
[POTO]  khoicodedao/Poto_platform @ aab2d2dbacc0dd3b49ed3846cee8f6234bb2d56a: lib/constants/zalo.ts.
[HC1]   https://zalooa.freshdesk.com/support/solutions/articles/64000261136 (Zalo OA help
        centre, "Các loại tin của Zalo Official Account").
[HC2]   https://zalooa.freshdesk.com/support/solutions/articles/64000263278 (Zalo OA help
        centre, "Vì sao tôi không thể gửi tin phản hồi qua ứng dụng thứ 3").
[HAINH] https://hainh.me/zalo-api-php-webhook-callback-official-account.html (webhook guide).
[GOBY]  https://developers-zns.goby.vn/dang-ky-nhan-thong-bao-qua-webhook (a reseller's webhook
        registration rules).
[ESMS]  https://developers.esms.vn/en/esms-api/send-sms-api/send-zalo-message-consulting-button
        (a reseller's "Consulting button" message, forwarded to Zalo as is).
[ZNS]   https://zalo.cloud/zns/guidelines/handle-error-code (Zalo's ZNS error codes).
[NOTE]  A research note in the public code index (its repository is not named by the index)
        that quotes pages of docs.zaloplatforms.com, Zalo's server-rendered documentation
        mirror, fetched 2026-09-22: "dieu-kien-gui-tin-tu-van", "gui-tin-tu-van-dang-van-ban",
        "kiem-tra-han-muc-gui-tin-nhan", "phu-luc/ma-loi". Read through that note only.
[INTEG] Webhook handlers in the public code index (repositories not named by the index) that
        read `X-ZEvent-Timestamp`, or answer an unsigned `{}` with 200 "before Zalo will save
        the URL".

Where the sources disagree, the choice made and why is written next to the fact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

# --- Webhook -------------------------------------------------------------------------------
# Header and formula: hex SHA-256 (a plain hash, not an HMAC) of app_id + raw body + timestamp
# + the OA secret key (not the app secret). [JAVA] MacUtils.buildMac(appId, data, timeStamp,
# secretKey); [CW] zalo_events_job.rb compares "mac=" + that hash with X-ZEvent-Signature;
# [HAINH] says the same and that the timestamp is "taken from the JSON". Some integrations
# compare without "mac=" [INTEG]: both forms are accepted.
SIGNATURE_HEADER = "X-ZEvent-Signature"
SIGNATURE_PREFIX = "mac="
# CONFLICT: [CW] and [HAINH] sign with the body's `timestamp`; several integrations [INTEG]
# use an `X-ZEvent-Timestamp` header when present. No official SDK reads the header. The
# adapter accepts whichever the request carries (signature.py) and checks the freshness of
# the timestamp that verified.
TIMESTAMP_HEADER = "X-ZEvent-Timestamp"
# Event timestamps are epoch milliseconds as a string: [GUIDE] ("Unix milliseconds") and
# every example event in [GUIDE] and [CW]. Nothing documents the header's unit: a value of
# 10 digits or fewer is read as seconds (signature.py), anything else as milliseconds.
# Registration: a new webhook URL is checked with a POST that must get 200 ([GOBY]; [INTEG]:
# "an unsigned POST whose body is an empty JSON object"). Zalo wants a 200 within 2 seconds
# and keeps resending a failing event, disabling the webhook after 12 hours [HAINH]; [GUIDE]
# gives retries at 30 s, 5 min, 15 min, 30 min and 1 h.
PROBE_BODY: dict[str, Any] = {}

# --- Sending ---------------------------------------------------------------------------------
# Consultation ("tư vấn") messages: POST {api}/v3.0/oa/message/cs, header `access_token`,
# body {"recipient": {"user_id"}, "message": {"text"}}: [PHP] ZaloEndPoint
# API_OA_SEND_CONSULTATION_MESSAGE_V3 and README; [NET] sendTextMessageToUserIdV3; [JAVA]
# v3/SendTextCSMessage.java. Answer {"error": 0, "message": "Success", "data": {"message_id",
# "user_id"}} ([GUIDE]; [CW] send_on_zalo_service reads data.message_id).
SEND_PATH = "/v3.0/oa/message/cs"
# Text: at most 2000 characters ([NOTE], "gui-tin-tu-van-dang-van-ban": "tối đa 2.000 ký tự").
TEXT_LIMIT = 2000
# The user's message id: v3 documents it only as `message.quote_message_id` (a quoted reply):
# [PHP] MessageBuilder::withQuoteMessage and README "Gửi tin Tư vấn trích dẫn"; [NET]
# sendQuoteMessageToUserIdV3; [CW] zalo_oa.rb sets it to the message answered.
# CONFLICT: [JAVA] v3/SendQuoteCSMessage.java sends `react_message_id` instead; the v2 API
# put the id in `recipient.message_id` ([NET] sendTextMessageToMessageId, [PHP]
# withMessageId) but v2 messaging is shut down (-240 below). [HC1]/[HC2] say an Open API
# message without the message id counts as proactive, without naming the field. We quote
# the person's typed message in the first message of a reply (outbox.py) and nothing else;
# should Zalo refuse a quoting message as malformed, it goes again without the quote and
# replies stop quoting (delivery.py).
QUOTE_FIELD = "quote_message_id"

# Buttons on a consultation message. CONFLICT (issue 13, risk 1): the shape
#   message.attachment = {"type": "template", "payload": {"buttons": [...]}}   (no template_type)
# is the v2 shape ([NET] sendListButtonMessagetoUserId posts it to /v2.0/oa/message); [PHP]
# removed it for v3 (commit 1702d94, see above); [NET] and [JAVA] have no v3 method with it.
# [ESMS] still documents it as a "Consulting button" message, and ChatbotX still sends it
# (issue 13). So the default is ZALO_BUTTONS=numbered: plain text, which every source
# documents; ZALO_BUTTONS=template uses this shape, and the adapter falls back to numbered
# choices, once and loudly, when Zalo refuses it (TEMPLATE_REFUSED below).
# Button objects: {"title", "type", "payload"} with types oa.open.url ({"url"}),
# oa.query.show / oa.query.hide (a string, sent back as the user's message), oa.open.phone
# ({"phone_code"}), oa.open.sms ({"phone_code", "content"}): [PHP] buildAction*; [NET]
# JsonUtils.parseListButtonV3ToJson (which adds "image_icon").
BUTTON_TYPES = ("oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.phone", "oa.open.sms")
# CONFLICT: [PHP] README says "only support 5 buttons", its MAX_ELEMENT is 5, its exception
# says "Only support 4 buttons". 4 is what both allow.
BUTTONS_PER_MESSAGE = 4
# No source states a title limit; 100 is kept from before (content labels are <= 60).
TITLE_LIMIT = 100
# A prefix people do not type: a payload that starts with it is a button press. Typing it by
# hand is the same as pressing that button, which the core checks like any button.
PAYLOAD_PREFIX = "#hd:"

# The v3 transaction template, NOT used: POST /v3.0/oa/message/transaction ([PHP]
# API_OA_SEND_TRANSACTION_MESSAGE_V3, [NET] sendTransactionMessagetoUserId, [JAVA]
# v3/SendTransactionMessage.java) with payload {"template_type": "transaction_order" (and
# the other values of [PHP] TransactionTemplateType.php), "language": "VI", "elements":
# [{"type": "banner"|"header"|"text"|"table", ...}], "buttons": [{"title", "image_icon",
# "type", "payload"}]}. It is a separate, per-message-paid type for transactional notices
# ([GUIDE]: "Transaction ... Per message"); none of its template types (billing, order,
# booking, ...) describes a help menu, and no source gives the element length limits.
# CONFLICT: [NET] maps TRANSACTION_EDUCATION to "transaction_transaction", [PHP] to
# "transaction_education". Not fitting, it is documented here only.
TRANSACTION_PATH = "/v3.0/oa/message/transaction"
# The v3 promotion ("truyền thông") message, NOT used by broadcasts: POST
# /v3.0/oa/message/promotion with payload {"template_type": "promotion", "elements": [banner,
# header, text, table], "buttons": [...]} ([PHP] README, [NET] sendPromotionMessagetoUserId,
# [JAVA] v3/SendPromotionMessage.java). It needs a verified OA and its monthly quota [HC1],
# is refused at night (-234), and every sample has a banner image while no source says
# whether one is required or how long the text may be. Broadcasts therefore skip followers
# outside the consultation window (reason OUTSIDE_WINDOW_REASON) rather than guess.
PROMOTION_PATH = "/v3.0/oa/message/promotion"

# --- Windows and quotas --------------------------------------------------------------------------
# [HC1]: 8 free replies ("tin phản hồi") within 48 hours of the user's message, reset by each
# new user message; the 9th, or a message after 48 h, counts as proactive (verified OAs only,
# with a monthly quota). CONFLICT: [NOTE] quotes the official pages: from 1/1/2026 replies in
# the 48 h frame are unlimited and free, `remain` is always 8 and then dropped (1/3/2026);
# after 48 h a consultation message is billed, and after 7 days without an interaction it is
# refused (-230/-232); [GUIDE] also describes the 7-day gate. We keep the stricter reading:
# at most 8 messages per user message, and broadcasts only inside 48 hours (free either way).
FREE_REPLY_WINDOW = dt.timedelta(hours=48)
REPLIES_PER_USER_MESSAGE = 8
CONSULTATION_GATE = dt.timedelta(days=7)
# The reason a broadcast delivery is skipped for a follower outside that window.
OUTSIDE_WINDOW_REASON = "outside_zalo_window"
# What counts as an interaction: sending a message or pressing a button (both arrive as
# user_send_* events). Nothing documents a `follow` as one, so it does not open the window.

# --- Tokens ------------------------------------------------------------------------------------
# Refresh: POST {oauth}/v4/oa/access_token, form app_id, grant_type=refresh_token,
# refresh_token, header secret_key = app secret; the answer has a new access_token and
# refresh_token (single use) and expires_in ("90000", a string): [JAVA]
# GetAccessTokenByRefreshToken.java; [CW] zalo_oa.rb refresh_post; [NOTE] (25 hours, refresh
# token 3 months, single use). No source documents an error code for a refused refresh: any
# answer without an access_token is a refusal.
REFRESH_PATH = "/v4/oa/access_token"

# --- Error codes ---------------------------------------------------------------------------------
# Table "ma-loi" as given by [PYSDK] and [GUIDE] (they agree; [GUIDE] adds -220). What each
# means for us is decided in errors.py.
OK = 0
RATE_LIMITED = -32  # "Your application reached limit call api" [PYSDK][GUIDE]
# CONFLICT: -100 is "attachment_id was expired" in [GUIDE]'s OA table but "Unknown error, try
# again later" in [ZNS]. We send no attachment ids, so it is taken as the retryable one.
UNKNOWN_RETRY = -100
INVALID_PARAMETER = -201  # "<data_field> is invalid!" [PYSDK][GUIDE]
OA_DISABLED = -204  # "Offical Account is disable"
OA_MISSING = -205  # "Offical Account is not exist"
API_NOT_SUPPORTED = -209  # "Not supported this api"
PARAMETER_TOO_LONG = -210  # "Parameter exceeds allowable limit"
OUT_OF_QUOTA = -211  # "Out of quota"
API_NOT_REGISTERED = -212  # "App has not registed this api"
NOT_FOLLOWER = -213  # "User has not followed OA"
TOKEN_INVALID = -216  # "Access token is invalid"
BLOCKED_INVITATION = -217  # "User has blocked invitation from OA"
OUT_OF_QUOTA_RECEIVE = -218  # "Out of quota receive": this user can receive no more now
APP_DISABLED = -219  # "App is removed or disabled" [GUIDE]
TOKEN_EXPIRED = -220  # "access_token is expired or removed" [GUIDE] (not in [PYSDK])
OA_NOT_VERIFIED = -221  # "The OA needs to be verified to use this feature"
API_NOT_AUTHORIZED = -223  # "Official Account has not authorized this API" [GUIDE]
TIER_REQUIRED = -224  # "The OA needs to upgrade OA Tier Package to use this feature"
USER_BANNED = -227  # "User is banned or has been inactive for more than 45 days"
NO_INTERACTION_7_DAYS = -230  # "user has not interacted with the OA in the past 7 days"
NO_INTERACTION = -232  # "user has not interacted with the OA" (or it expired [NOTE])
MESSAGE_TYPE_INVALID = -233  # "Message type is invalid or not support"
# CONFLICT: issue 13 lists -234 among user-side refusals; [PYSDK] and [GUIDE] say "This
# message cannot be sent at night (10:00PM - 6:00AM)" (promotion messages): a retry later.
NIGHT_TIME = -234
OA_TYPE_UNSUPPORTED = -235  # "This API does not support this type of OA"
V2_SHUT_DOWN = -240  # "MessageV2 API has been shut down, please switch to MessageV3"
# "User has restricted this message type from your OA" [GUIDE] only (not in [PYSDK]).
TYPE_RESTRICTED = -244
NO_CLOUD_ACCOUNT = -320  # "Your app needs to connect with Zalo Cloud Account"
CLOUD_ACCOUNT_EMPTY = -321  # "Zalo Cloud Account ... is out of money"
# CONFLICT: only [POTO] names -124 ("TOKEN_EXPIRED"), in a table that also calls -216 a
# quota error; it is treated as a token error, which costs one refresh at worst.
TOKEN_EXPIRED_ALT = -124

# A message refused with one of these is malformed in Zalo's eyes: -201 (a field is
# invalid), -233 (message type not supported), -210 (a parameter over its limit). With
# buttons, that is taken as Zalo refusing the template shape (delivery.py then falls back to
# numbered choices). No source names the code Zalo gives for this particular shape.
TEMPLATE_REFUSED = (INVALID_PARAMETER, MESSAGE_TYPE_INVALID, PARAMETER_TOO_LONG)

ATTACHMENT_EVENTS = {
    # user_send_* events, [GUIDE] "Event Types"; what the core is told was sent.
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
    """The hex SHA-256 Zalo puts in X-ZEvent-Signature (after "mac=")."""
    digest = hashlib.sha256()
    digest.update(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Event:
    """A webhook event reduced to what the core needs."""

    name: str
    user_id: str | None
    event_id: str
    text: str | None = None
    action: str | None = None
    attachment: str | None = None
    # The user's message id (msg_id), for quoting and for counting replies to it.
    message_id: str | None = None
    # When the event happened (the body's `timestamp`), if it says.
    at: dt.datetime | None = None

    @property
    def from_user(self) -> bool:
        """True for user_send_* events: a message or a button press, an interaction."""
        return self.name.startswith("user_send_") and self.message_id is not None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def event_time(raw: Any) -> dt.datetime | None:
    """An epoch timestamp (milliseconds, or seconds when it has 10 digits or fewer) as UTC."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > 16:
        return None
    value = int(text)
    seconds = value if len(text) <= 10 else value / 1000
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def read_event(data: dict[str, Any]) -> Event:
    """Read an event; unknown kinds keep their name with no person and nothing to say.

    Fields: `event_name`, `sender.id` (the user) or `follower.id` (follow/unfollow),
    `message.text`, `message.msg_id`, `timestamp` ([GUIDE] example payloads; [CW]).
    """
    name = str(data.get("event_name", ""))
    message = _mapping(data.get("message"))
    sender = _mapping(data.get("sender"))
    follower = _mapping(data.get("follower"))
    user_id = str(sender.get("id") or follower.get("id") or data.get("user_id_by_app") or "")
    msg_id = str(message.get("msg_id") or "") or None
    event_id = msg_id or f"{name}:{user_id}:{data.get('timestamp', '')}"
    common: dict[str, Any] = {"message_id": msg_id, "at": event_time(data.get("timestamp"))}
    person = user_id or None
    if name.startswith("oa_send_"):  # our own messages echoed back: nobody to answer
        return Event(name, None, event_id, **common)
    if name == "user_send_text" or "click" in name:
        text = str(message.get("text") or data.get("payload") or "")
        if text.startswith(PAYLOAD_PREFIX):
            return Event(name, person, event_id, action=text[len(PAYLOAD_PREFIX) :], **common)
        return Event(name, person, event_id, text=text, **common)
    if name in ATTACHMENT_EVENTS:
        return Event(name, person, event_id, attachment=ATTACHMENT_EVENTS[name], **common)
    return Event(name, person, event_id, **common)


def text_message(
    user_id: str, text: str, buttons: list[dict[str, Any]], quote: str | None = None
) -> dict[str, Any]:
    """The body of a consultation message: text, buttons as a template attachment (the
    contested shape, only in template mode), and the quoted user message if any."""
    message: dict[str, Any] = {"text": text}
    if buttons:
        message["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
    if quote:
        message[QUOTE_FIELD] = quote
    return {"recipient": {"user_id": user_id}, "message": message}


def has_buttons(body: dict[str, Any]) -> bool:
    """Whether a message body carries a template attachment."""
    message = body.get("message")
    return isinstance(message, dict) and "attachment" in message


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
