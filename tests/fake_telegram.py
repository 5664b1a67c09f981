"""A strict, in-process fake of the Telegram Bot API HTTP server, for tests.

Start it inside a test, point python-telegram-bot (PTB) at it with ``base_url`` and look at
what the bot did::

    fake = FakeBotAPI()
    base_url = await fake.start()            # "http://127.0.0.1:PORT/bot"
    async with telegram.Bot(fake.token, base_url=base_url) as bot:
        await bot.send_message(1001, "<b>xin chào</b>", parse_mode="HTML")
    assert fake.sent(1001)[0].params["text"] == "<b>xin chào</b>"
    await fake.stop()

The fake is deliberately stricter than it needs to be for PTB to work: it answers
``400 Bad Request: ...`` the way Telegram does for the mistakes an adapter is likely to make
(broken HTML, too long texts, callback_data over 64 bytes, unanswered or twice-answered
callback queries, ...), and it records every request, failed or not, in :attr:`FakeBotAPI.calls`.

Sources for the behaviour copied here (cited next to the code that relies on them):

* PTB 22.8 in the venv: ``telegram/request/_baserequest.py`` (``BaseRequest._request_wrapper``,
  how status codes and ``parameters`` become exceptions), ``telegram/request/_httpxrequest.py``
  (``HTTPXRequest.do_request``: what goes over the wire), ``telegram/request/_requestdata.py``
  and ``_requestparameter.py`` (how values are encoded), ``telegram/_bot.py`` (``Bot._post``,
  ``Bot.do_api_request``, ``Bot.get_updates``, ``_parse_base_url``) and
  ``telegram/ext/_updater.py`` (``Updater._start_polling``, ``Updater._bootstrap``).
* The Bot API reference (core.telegram.org/bots/api), as summarised in docs/facts.md §7
  ("Telegram (Bot API, python-telegram-bot 22)").
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.local_server import serve
from tests.waiting import wait_until

__all__ = ["ApiError", "Call", "FakeBotAPI", "parse_html"]

JSONDict = dict[str, Any]

# Methods whose successful calls :meth:`FakeBotAPI.sent` reports: things the user sees.
SENT_METHODS = frozenset({"sendMessage", "sendContact", "editMessageText"})

# --- How PTB encodes parameters -------------------------------------------------------------
# telegram/request/_requestparameter.py, RequestParameter.json_value: a str value is sent as is,
# anything else (int, bool, list, dict, TelegramObject) as json.dumps(value); so every value
# arrives as a *string*. telegram/request/_httpxrequest.py, HTTPXRequest.do_request sends these
# strings as `data=` (application/x-www-form-urlencoded) or, when files are attached, as
# multipart/form-data. Telegram itself parses values by the field's declared type, so we do the
# same: the field name decides how a string is decoded. Unknown fields stay strings.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "results",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "button",
        "media",
        "menu_button",
        "message_ids",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "user_id",
        "cache_time",
        "max_connections",
        "message_thread_id",
        "reply_to_message_id",
        "direct_messages_topic_id",
    }
)
_FLOAT_FIELDS = frozenset({"timeout", "latitude", "longitude", "horizontal_accuracy"})
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
        "disable_web_page_preview",
        "show_alert",
        "is_personal",
        "drop_pending_updates",
    }
)

# --- Limits (core.telegram.org/bots/api, summarised in docs/facts.md §7) ----------------
MAX_TEXT = 4096  # "Message text 1-4096 characters" (after entities parsing)
MAX_CALLBACK_DATA_BYTES = 64  # "callback_data 1-64 bytes"
MAX_INLINE_RESULTS = 50  # "50 inline results per answer"
MAX_CALLBACK_ANSWER_TEXT = 200  # answerCallbackQuery.text: 0-200 characters (Bot API reference)
MAX_POLL_WAIT = 1.0  # our own cap on long polling, so that tests shut down quickly

# Exactly one of these makes an InlineKeyboardButton do something (Bot API, InlineKeyboardButton:
# "You must use exactly one of the optional fields").
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "callback_game",
    "pay",
    "copy_text",
)
_BUTTON_URL_PREFIXES = ("http://", "https://", "tg://")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_INLINE_RESULT_TYPES = frozenset(
    {
        "article",
        "photo",
        "gif",
        "mpeg4_gif",
        "video",
        "audio",
        "voice",
        "document",
        "location",
        "venue",
        "contact",
        "game",
        "sticker",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LANGUAGE_CODE_RE = re.compile(r"[a-z]{2}")
_INT_RE = re.compile(r"-?\d+")


@dataclass
class Call:
    """One request the bot made.

    ``params`` holds the decoded parameters (ints, bools and nested JSON such as
    ``reply_markup`` decoded; texts exactly as sent). ``status`` is the HTTP status the fake
    answered (0 while a long poll is still waiting), ``result`` the ``result`` of a successful
    answer and ``description`` the error description of a failed one. ``at`` is when the
    request arrived (``time.monotonic()``).
    """

    method: str
    params: dict[str, Any]
    status: int = 0
    result: Any = None
    description: str | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        """Whether the fake answered this call with 200 OK."""
        return self.status == 200

    def __repr__(self) -> str:
        outcome = "pending" if self.status == 0 else str(self.status)
        if self.description:
            outcome += f" {self.description!r}"
        params = repr(self.params)
        if len(params) > 300:
            params = params[:300] + "…}"
        return f"Call({self.method}, {params} -> {outcome})"


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": code, "description": ..., ...}``."""

    def __init__(
        self, code: int, description: str, parameters: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = dict(parameters) if parameters else None


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


# --- HTML parse mode ----------------------------------------------------------------------
# core.telegram.org/bots/api#html-style: the supported tags are b/strong, i/em, u/ins,
# s/strike/del, span class="tg-spoiler", tg-spoiler, a href, code, pre (optionally with
# <code class="language-...">), blockquote (optionally "expandable"). Only the named entities
# &lt; &gt; &amp; &quot; are supported, plus all numeric entities. Telegram's own parser is a
# little more forgiving with a stray "&"; this fake refuses it so the adapter always escapes.
_TAG_ENTITY_TYPE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_TAG_RE = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)"
    r"((?:\s+[^\s=>/\"']+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([^\s=>/\"']+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")
_HTML_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6}));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _utf16_len(text: str) -> int:
    # MessageEntity offsets and lengths are in UTF-16 code units (Bot API, MessageEntity).
    return len(text.encode("utf-16-le")) // 2


def _decode_html_entity(match: re.Match[str], source: str, position: int) -> str:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED_ENTITIES[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _html_error(
            f"invalid numeric HTML entity at byte offset {_byte_at(source, position)}"
        )
    return chr(code)


def _byte_at(text: str, position: int) -> int:
    return len(text[:position].encode("utf-8"))


def _html_error(detail: str) -> ApiError:
    return _bad(f"can't parse entities: {detail}")


def _unescape_attribute(value: str, source: str, position: int) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            match = _HTML_ENTITY_RE.match(value, i)
            if match is None:
                raise _html_error(
                    f"unsupported HTML entity in an attribute at byte offset "
                    f"{_byte_at(source, position)}"
                )
            out.append(_decode_html_entity(match, source, position))
            i = match.end()
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _parse_attributes(raw: str, source: str, position: int) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for match in _ATTR_RE.finditer(raw):
        name, value = match.group(1).lower(), match.group(2)
        if value is None:
            attributes[name] = ""
            continue
        if value[:1] in "\"'":
            value = value[1:-1]
        attributes[name] = _unescape_attribute(value, source, position)
    return attributes


@dataclass
class _OpenTag:
    name: str
    offset: int  # UTF-16 offset in the parsed text
    attributes: dict[str, str]
    language: str | None = None


def parse_html(source: str) -> tuple[str, list[JSONDict]]:
    """Parse a text in Telegram's HTML parse mode.

    Returns the plain text and its MessageEntity dicts (UTF-16 offsets), or raises
    :class:`ApiError` 400 ``Bad Request: can't parse entities: ...`` for an unsupported tag,
    a missing ``href``, unbalanced or badly nested tags, or a ``<``/``&`` that is not markup.
    """
    out: list[str] = []
    length = 0  # UTF-16 length of "".join(out)
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&":
            match = _HTML_ENTITY_RE.match(source, i)
            if match is None:
                raise _html_error(
                    f'unsupported HTML entity at byte offset {_byte_at(source, i)}: write "&" '
                    'as "&amp;"'
                )
            decoded = _decode_html_entity(match, source, i)
            out.append(decoded)
            length += _utf16_len(decoded)
            i = match.end()
            continue
        if char != "<":
            out.append(char)
            length += _utf16_len(char)
            i += 1
            continue
        match = _TAG_RE.match(source, i)
        if match is None:
            raise _html_error(
                f'unsupported start tag at byte offset {_byte_at(source, i)}: write "<" as "&lt;"'
            )
        closing, name, raw_attributes = (
            match.group(1) == "/",
            match.group(2).lower(),
            match.group(3),
        )
        offset = _byte_at(source, i)
        if closing:
            if raw_attributes.strip():
                raise _html_error(f"end tag with attributes at byte offset {offset}")
            if not stack:
                raise _html_error(f'unexpected end tag "</{name}>" at byte offset {offset}')
            top = stack.pop()
            if top.name != name:
                raise _html_error(
                    f'unmatched end tag at byte offset {offset}, expected "</{top.name}>", '
                    f'found "</{name}>"'
                )
            _close_tag(top, length, stack, entities)
        else:
            if name not in _TAG_ENTITY_TYPE:
                raise _html_error(f'unsupported start tag "{name}" at byte offset {offset}')
            attributes = _parse_attributes(raw_attributes, source, i)
            _check_open_tag(name, attributes, stack, offset)
            stack.append(_OpenTag(name, length, attributes))
        i = match.end()
    if stack:
        raise _html_error(f'can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities


def _check_open_tag(
    name: str, attributes: dict[str, str], stack: list[_OpenTag], offset: int
) -> None:
    open_names = [tag.name for tag in stack]
    if name == "a" and not attributes.get("href"):
        raise _html_error(f'tag "a" must have a non-empty href at byte offset {offset}')
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise _html_error(f'tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if "code" in open_names:
        raise _html_error(f'tag "{name}" is not allowed inside "code" at byte offset {offset}')
    if open_names and open_names[-1] == "pre" and name != "code":
        raise _html_error(f'tag "{name}" is not allowed inside "pre" at byte offset {offset}')
    if name in ("a", "blockquote", "pre") and name in open_names:
        raise _html_error(f'tag "{name}" can\'t be nested in itself at byte offset {offset}')


def _close_tag(tag: _OpenTag, end: int, stack: list[_OpenTag], entities: list[JSONDict]) -> None:
    parent = stack[-1] if stack else None
    if tag.name == "code" and parent is not None and parent.name == "pre":
        # <pre><code class="language-x"> gives one "pre" entity with a language.
        css = tag.attributes.get("class", "")
        if css.startswith("language-"):
            parent.language = css.removeprefix("language-")
        return
    if end == tag.offset:  # Telegram drops empty entities
        return
    entity: JSONDict = {
        "type": _TAG_ENTITY_TYPE[tag.name],
        "offset": tag.offset,
        "length": end - tag.offset,
    }
    if tag.name == "a":
        entity["url"] = tag.attributes["href"]
    if tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    if tag.name == "blockquote" and "expandable" in tag.attributes:
        entity["type"] = "expandable_blockquote"
    entities.append(entity)


# --- Parameter checks shared by several methods --------------------------------------------
def _format_text(
    text: Any, parse_mode: Any, entities: Any, *, empty_error: str = "message text is empty"
) -> tuple[str, list[JSONDict]]:
    """Apply ``parse_mode`` and the length limit; return the plain text and its entities."""
    if not isinstance(text, str) or not text.strip():
        raise _bad(empty_error)
    plain, found = text, []
    if entities is not None:
        if not isinstance(entities, list) or not all(
            isinstance(e, dict)
            and isinstance(e.get("type"), str)
            and isinstance(e.get("offset"), int)
            and isinstance(e.get("length"), int)
            for e in entities
        ):
            raise _bad("can't parse entities: each entity needs type, offset and length")
        found = entities
    elif parse_mode:
        mode = str(parse_mode).lower()
        if mode == "html":
            plain, found = parse_html(text)
        elif mode not in ("markdown", "markdownv2"):
            raise _bad(f"unsupported parse_mode {parse_mode!r}")
        # Markdown and MarkdownV2 are not validated by this fake: the raw text is counted.
    if not plain.strip():
        raise _bad(empty_error)
    # "Message text 1-4096 characters after entities parsing" (facts.md). We count code
    # points, as Python's len() does.
    if len(plain) > MAX_TEXT:
        raise _bad("message is too long")
    return plain, found


def _check_inline_keyboard(keyboard: Any) -> None:
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    for row in keyboard:
        for button in row:
            _check_inline_button(button)


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text:
        raise _bad("can't parse inline keyboard button: Text must be non-empty")
    actions = [name for name in _BUTTON_ACTIONS if name in button]
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise _bad(
            f"can't parse inline keyboard button: exactly one of {', '.join(actions)} expected"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        # "callback_data 1-64 bytes" (facts.md): bytes of UTF-8, not characters.
        if (
            not isinstance(data, str)
            or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
        ):
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(_BUTTON_URL_PREFIXES):
            raise _bad(f"inline keyboard button URL {url!r} is invalid: Wrong HTTP URL")


def _check_reply_markup(markup: Any, *, inline_only: bool = False) -> JSONDict | None:
    """Validate a reply_markup; return it when it is an inline keyboard (kept on the message)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
        return markup
    if inline_only:
        raise _bad("inline keyboard expected")
    if "keyboard" in markup:
        keyboard = markup["keyboard"]
        if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
            raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        for row in keyboard:
            for button in row:
                text = button if isinstance(button, str) else None
                if isinstance(button, dict):
                    text = button.get("text")
                if not isinstance(text, str) or not text:
                    raise _bad("can't parse keyboard button: Text must be non-empty")
        return None
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return None
    raise _bad("can't parse reply keyboard markup JSON object")


# --- Decoding a request ---------------------------------------------------------------------
def _decode_value(name: str, value: Any) -> Any:
    if name in _JSON_FIELDS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise _bad(f'can\'t parse JSON in field "{name}"') from None
    if name in _INT_FIELDS and isinstance(value, str):
        if _INT_RE.fullmatch(value.strip()):
            return int(value)
        if name == "chat_id":
            return value  # "@channelusername" is allowed for chat_id
        raise _bad(f'field "{name}" must be an integer')
    if name in _FLOAT_FIELDS and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise _bad(f'field "{name}" must be a number') from None
    if name in _BOOL_FIELDS and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
        raise _bad(f'field "{name}" must be a Boolean')
    return value


def _decode_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _decode_value(name, value) for name, value in raw.items()}


def _require_int(params: Mapping[str, Any], name: str, error: str) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(error)
    return value


def _update_type(update: Mapping[str, Any]) -> str:
    kinds = [key for key in update if key != "update_id"]
    return kinds[0] if kinds else ""


_Handler = Callable[[dict[str, Any]], Any]
_AsyncHandler = Callable[[dict[str, Any], web.Request], Awaitable[Any]]


class FakeBotAPI:
    """A strict local Telegram Bot API server (aiohttp) for one bot.

    Attributes:
        token: the bot token the server accepts; other tokens get 401 Unauthorized.
        username: the bot's username (``getMe``).
        calls: every request in arrival order, failed ones included.
        blocked_chats: ``send*``/``edit*`` to these chats answer 403
            ``Forbidden: bot was blocked by the user``.
        missing_chats: any method naming these chats answers 400 ``Bad Request: chat not found``
            (e.g. a deleted account). Other chat ids are accepted; a positive id is a private
            chat unless an update or :meth:`add_chat` said otherwise.
        webhook: the last ``setWebhook`` parameters (url, secret_token, allowed_updates, ...),
            ``None`` after ``deleteWebhook``.
        commands: ``setMyCommands`` lists by language_code (``None`` = default).
        answered_callbacks: ids of callback queries the bot answered.
    """

    def __init__(
        self, token: str = "123456:TEST-TOKEN", username: str = "helpdesk_test_bot"
    ) -> None:
        """Prepare the server (not started yet)."""
        self.token = token
        self.username = username
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSONDict = {
            # getMe result shape: telegram/_user.py User(id, first_name, is_bot, ...) and the
            # Bot properties can_join_groups, can_read_all_group_messages,
            # supports_inline_queries (telegram/_bot.py).
            "id": int(bot_id) if bot_id.isdigit() else 123456,
            "is_bot": True,
            "first_name": "Helpdesk Test Bot",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.blocked_chats: set[int] = set()
        self.missing_chats: set[int] = set()
        self.webhook: dict[str, Any] | None = None
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.answered_callbacks: set[str] = set()
        # getChatMember: status by chat and user ("member", "creator", "administrator",
        # "kicked"); anyone else is "left", as Telegram says of a non-member.
        self.members: dict[int, dict[int, str]] = {}
        self.base_url: str | None = None
        # What getWebhookInfo reports as the last failed delivery to the webhook:
        # (unix time, message), as Telegram's last_error_date / last_error_message.
        self.webhook_error: tuple[int, str] | None = None

        self._updates: list[JSONDict] = []
        self._allowed_updates: list[str] | None = None
        self._next_update_id = 1
        self._query_ids = itertools.count(7_000_000_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._issued_callbacks: list[str] = []
        self._issued_inline: set[str] = set()
        self._answered_inline: set[str] = set()
        self._chats: dict[int, JSONDict] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._next_message_id: dict[int, int] = {}
        self._failures: dict[str, deque[ApiError]] = {}
        self._holds: dict[str, asyncio.Event] = {}

        self._condition = asyncio.Condition()
        self._updates_changed = asyncio.Event()
        self._poller: object | None = None
        self._stopping = False
        self._runner: web.AppRunner | None = None

        sync_handlers: dict[str, _Handler] = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "sendContact": self._send_contact,
            "editMessageText": self._edit_message_text,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "setMyCommands": self._set_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getChatMember": self._get_chat_member,
        }
        async_handlers: dict[str, _AsyncHandler] = {"getUpdates": self._get_updates}
        # Telegram matches method names case-insensitively (core.telegram.org/bots/api,
        # "Making requests": "All methods in the Bot API are case-insensitive").
        self._sync: dict[str, tuple[str, _Handler]] = {
            name.lower(): (name, handler) for name, handler in sync_handlers.items()
        }
        self._async: dict[str, tuple[str, _AsyncHandler]] = {
            name.lower(): (name, handler) for name, handler in async_handlers.items()
        }

    # --- lifecycle --------------------------------------------------------------------------
    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 (on `port`, else a free one); return the base_url to give PTB.

        PTB appends the token to a base_url without ``{token}`` in it
        (telegram/_bot.py, ``_parse_base_url``: ``value + token``) and then ``/{method}``
        (``Bot._do_post``: ``f"{self._base_url}/{endpoint}"``).
        """
        self._stopping = False  # started again after a stop (a restart test)
        if port:
            app = web.Application()
            app.router.add_route("*", "/{path:.*}", self._handle)
            self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", port).start()
            address = f"http://127.0.0.1:{port}"
        else:
            self._runner, address = await serve(self._handle)
        self.base_url = address + "/bot"
        return self.base_url

    @staticmethod
    def unused_port() -> int:
        """A port of 127.0.0.1 nothing listens on (yet): for a Bot API that is "down"."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        return port

    async def stop(self) -> None:
        """Wake any long poll and shut the server down."""
        self._stopping = True
        self._updates_changed.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- what the bot did -------------------------------------------------------------------
    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Successful sendMessage/sendContact/editMessageText calls,
        in order; only those to ``chat_id`` when given."""
        return [
            call
            for call in self.calls
            if call.method in SENT_METHODS
            and call.ok
            and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """The ``text`` parameter of each successful sendMessage/editMessageText, in order."""
        return [
            str(call.params["text"])
            for call in self.sent(chat_id)
            if call.method in ("sendMessage", "editMessageText")
        ]

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """The current state of a message in a chat (after edits), or None if deleted/unknown."""
        found = self._messages.get((chat_id, message_id))
        return copy.deepcopy(found) if found is not None else None

    def unanswered_callbacks(self) -> list[str]:
        """Ids of callback queries issued by the helpers/push_update that were never answered."""
        return [cid for cid in self._issued_callbacks if cid not in self.answered_callbacks]

    async def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate(self.calls)`` is true; it is re-checked on every call.

        Raises AssertionError listing the recent calls if it is still false after ``timeout``.
        """
        await wait_until(self._condition, self.calls, lambda _: predicate(self.calls), timeout)

    async def wait_calls(self, method: str, count: int, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` has been called (answered, successfully or not) ``count``
        times; return the first ``count`` such calls."""

        def enough(calls: list[Call]) -> bool:
            return sum(1 for c in calls if c.method == method and c.status) >= count

        await self.wait_for(enough, timeout)
        return [c for c in self.calls if c.method == method and c.status][:count]

    # --- misbehaviour on demand -------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with this error (before any check).

        With ``retry_after`` the answer carries ``parameters.retry_after``, which PTB turns
        into telegram.error.RetryAfter (telegram/request/_baserequest.py,
        ``BaseRequest._request_wrapper``); 403 becomes Forbidden, 400 BadRequest, 409
        Conflict, 401/404 InvalidToken, anything else NetworkError.
        """
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        queue = self._failures.setdefault(method.lower(), deque())
        for _ in range(times):
            queue.append(ApiError(error_code, description, parameters))

    def hold(self, method: str) -> asyncio.Event:
        """Keep every call of ``method`` waiting (after any ``fail_next`` answer) until the
        returned event is set: for seeing what happens while a call is under way."""
        event = self._holds.setdefault(method.lower(), asyncio.Event())
        return event

    # --- feeding the bot --------------------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for the next getUpdates; assign update_id if missing; return it.

        The queue is kept in update_id order, so pushing an update whose id is already
        confirmed (below a previous getUpdates offset) means it is dropped.
        """
        if "update_id" not in update:
            update["update_id"] = self._new_update_id()
        update_id = int(update["update_id"])
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._remember_update(update)
        self._updates.append(update)
        self._updates.sort(key=lambda u: int(u["update_id"]))
        self._updates_changed.set()
        return update_id

    def add_chat(
        self, chat_id: int, chat_type: str = "private", title: str | None = None, **extra: Any
    ) -> JSONDict:
        """Register a chat (e.g. a group with a title, a channel with a username)."""
        chat: JSONDict = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = extra.pop("first_name", f"User {chat_id}")
        else:
            chat["title"] = title or f"Chat {chat_id}"
        chat.update(extra)
        self._chats[chat_id] = chat
        return copy.deepcopy(chat)

    # --- update builders (they do not queue; webhook tests can POST them as they are) -------
    def text_update(
        self,
        text: str,
        chat_id: int = 1001,
        user_id: int | None = None,
        language_code: str = "vi",
        chat_type: str = "private",
        reply_to_bot: bool = False,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A ``message`` update with text from a user; a bot_command entity is added when the
        text starts with "/" (as Telegram does for commands)."""
        found = list(entities or [])
        if text.startswith("/") and not any(
            e.get("type") == "bot_command" and e.get("offset") == 0 for e in found
        ):
            command = text.split(maxsplit=1)[0]
            found.insert(0, {"type": "bot_command", "offset": 0, "length": _utf16_len(command)})
        fields: JSONDict = {"text": text}
        if found:
            fields["entities"] = found
        message = self._user_message(chat_id, user_id, language_code, chat_type, fields)
        if reply_to_bot:
            message["reply_to_message"] = self._shallow(self._last_bot_message(chat_id))
        return self._update("message", message)

    def callback_update(
        self,
        data: str,
        chat_id: int = 1001,
        message_id: int | None = None,
        user_id: int | None = None,
        language_code: str = "vi",
    ) -> dict[str, Any]:
        """A ``callback_query`` update: the user pressed a button with this callback_data on a
        bot message (the given one, else the bot's last message in the chat). Its id becomes
        answerable at once, so webhook tests may POST it themselves."""
        if message_id is None:
            message = self._last_bot_message(chat_id)
        else:
            message = self._messages.get((chat_id, message_id)) or self._store_bot_message(
                chat_id, {"text": "…"}, message_id=message_id
            )
        query_id = str(next(self._query_ids))
        self._issued_callbacks.append(query_id)
        query: JSONDict = {
            "id": query_id,
            "from": self._user(
                user_id if user_id is not None else self._default_user(chat_id), language_code
            ),
            "chat_instance": f"{abs(chat_id) * 7919}",
            "message": self._shallow(message),
            "data": data,
        }
        return self._update("callback_query", query)

    def inline_query_update(
        self, query: str, user_id: int = 1001, language_code: str = "vi"
    ) -> dict[str, Any]:
        """An ``inline_query`` update (the user typed "@bot query")."""
        query_id = str(next(self._query_ids))
        self._issued_inline.add(query_id)
        inline: JSONDict = {
            "id": query_id,
            "from": self._user(user_id, language_code),
            "query": query,
            "offset": "",
            "chat_type": "sender",
        }
        return self._update("inline_query", inline)

    def photo_update(
        self, chat_id: int = 1001, caption: str | None = None, user_id: int | None = None
    ) -> dict[str, Any]:
        """A ``message`` update carrying a photo (three sizes, as Telegram sends)."""
        unique = next(self._file_ids)
        sizes = [
            {
                "file_id": f"AgACAgPhoto{unique}_{side}",
                "file_unique_id": f"AQADPh{unique}{side}",
                "width": side,
                "height": side * 3 // 4,
                "file_size": side * 40,
            }
            for side in (90, 320, 800)
        ]
        fields: JSONDict = {"photo": sizes}
        if caption is not None:
            fields["caption"] = caption
        return self._update("message", self._user_message(chat_id, user_id, "vi", None, fields))

    def sticker_update(
        self, chat_id: int = 1001, emoji: str = "👍", user_id: int | None = None
    ) -> dict[str, Any]:
        """A ``message`` update carrying a regular sticker."""
        unique = next(self._file_ids)
        sticker = {
            "file_id": f"CAACAgSticker{unique}",
            "file_unique_id": f"AgADSt{unique}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._update(
            "message", self._user_message(chat_id, user_id, "vi", None, {"sticker": sticker})
        )

    def voice_update(
        self, chat_id: int = 1001, duration: int = 3, user_id: int | None = None
    ) -> dict[str, Any]:
        """A ``message`` update carrying a voice note."""
        unique = next(self._file_ids)
        voice = {
            "file_id": f"AwACAgVoice{unique}",
            "file_unique_id": f"AgADVo{unique}",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": duration * 4000,
        }
        return self._update(
            "message", self._user_message(chat_id, user_id, "vi", None, {"voice": voice})
        )

    def location_update(
        self,
        chat_id: int = 1001,
        latitude: float = 21.0285,
        longitude: float = 105.8542,
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """A ``message`` update carrying a location (Hà Nội by default)."""
        location = {"latitude": latitude, "longitude": longitude}
        return self._update(
            "message",
            self._user_message(chat_id, user_id, "vi", None, {"location": location}),
        )

    def contact_update(
        self, chat_id: int = 1001, phone_number: str = "+84912345678", own: bool = True
    ) -> dict[str, Any]:
        """A ``message`` update carrying a contact; ``own`` makes it the sender's own number
        (what a request_contact keyboard button sends)."""
        user_id = self._default_user(chat_id)
        contact: JSONDict = {"phone_number": phone_number, "first_name": f"User {user_id}"}
        if own:
            contact["user_id"] = user_id
        return self._update(
            "message", self._user_message(chat_id, None, "vi", None, {"contact": contact})
        )

    def edited_text_update(
        self, text: str, chat_id: int = 1001, message_id: int | None = None
    ) -> dict[str, Any]:
        """An ``edited_message`` update: the user edited one of their texts (the given one,
        else their last message in the chat)."""
        original = None
        if message_id is not None:
            original = self._messages.get((chat_id, message_id))
        else:
            mine = [
                m
                for (cid, _), m in self._messages.items()
                if cid == chat_id and "text" in m and not m.get("from", {}).get("is_bot")
            ]
            original = mine[-1] if mine else None
        if original is None:
            original = self._user_message(
                chat_id, None, "vi", None, {"text": text}, message_id=message_id
            )
        original.update(text=text, edit_date=int(time.time()))
        original.pop("entities", None)
        return self._update("edited_message", copy.deepcopy(original))

    def my_chat_member_update(
        self, chat_id: int = 1001, new_status: str = "kicked", old_status: str = "member"
    ) -> dict[str, Any]:
        """A ``my_chat_member`` update: "kicked" is what a user blocking the bot produces."""
        user = self._user(self._default_user(chat_id), "vi")
        bot = dict(self.bot_user)

        def member(status: str) -> JSONDict:
            result: JSONDict = {"user": bot, "status": status}
            if status == "kicked":
                result["until_date"] = 0
            return result

        changed = {
            "chat": self._chat(chat_id),
            "from": user,
            "date": int(time.time()),
            "old_chat_member": member(old_status),
            "new_chat_member": member(new_status),
        }
        return self._update("my_chat_member", changed)

    # --- HTTP -------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        token, _, method = path.removeprefix("bot").partition("/")
        if not path.startswith("bot") or not method or "/" in method:
            return self._answer(ApiError(404, "Not Found"))

        decode_error: ApiError | None = None
        raw: dict[str, Any] = {}
        try:
            raw = await self._read_params(request)
            params = _decode_params(raw)
        except ApiError as error:
            decode_error, params = error, dict(raw)

        known = self._sync.get(method.lower()) or self._async.get(method.lower())
        call = Call(known[0] if known else method, params)
        self.calls.append(call)
        outcome: Any
        try:
            if token != self.token:
                # Telegram answers 401 Unauthorized for a well-formed but wrong token; PTB
                # raises InvalidToken for 401 and 404 (BaseRequest._request_wrapper).
                raise ApiError(401, "Unauthorized")
            if known is None:
                # Unknown method: 404 Not Found; PTB's do_api_request turns the InvalidToken
                # into EndPointNotFound once the bot is initialised (Bot.do_api_request).
                raise ApiError(404, "Not Found")
            if decode_error is not None:
                raise decode_error
            failures = self._failures.get(method.lower())
            if failures:
                raise failures.popleft()
            hold = self._holds.get(method.lower())
            if hold is not None:
                await hold.wait()
            if method.lower() in self._async:
                await self._notify()  # a long poll is visible to wait_for while it waits
                outcome = await self._async[method.lower()][1](params, request)
            else:
                outcome = self._sync[method.lower()][1](params)
        except ApiError as error:
            call.status, call.description = error.code, error.description
            await self._notify()
            return self._answer(error)
        call.status, call.result = 200, outcome
        await self._notify()
        # Envelope: core.telegram.org/bots/api "Making requests"; PTB reads
        # json_data["result"] (BaseRequest.post).
        return web.json_response({"ok": True, "result": outcome})

    @staticmethod
    def _answer(error: ApiError) -> web.Response:
        body: JSONDict = {"ok": False, "error_code": error.code, "description": error.description}
        if error.parameters:
            # ResponseParameters (retry_after, migrate_to_chat_id): BaseRequest._request_wrapper
            # raises RetryAfter / ChatMigrated from these whatever the status code.
            body["parameters"] = error.parameters
        return web.json_response(body, status=error.code)

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        # Telegram accepts the query string, urlencoded and multipart forms, and JSON bodies
        # (core.telegram.org/bots/api "Making requests"). PTB sends a form, or multipart when
        # uploading (HTTPXRequest.do_request).
        params: dict[str, Any] = dict(request.query)
        if request.method != "POST" or not request.can_read_body:
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise _bad("JSON request body must be an Object")
            params.update(body)
            return params
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, bytes | bytearray):
                params[name] = bytes(value).decode("utf-8", "replace")
            elif isinstance(value, web.FileField):
                params[name] = {
                    "filename": value.filename,
                    "content_type": value.content_type,
                    "data": value.file.read(),
                }
            else:
                params[name] = value
        return params

    async def _notify(self) -> None:
        async with self._condition:
            self._condition.notify_all()

    # --- methods ----------------------------------------------------------------------------
    def _get_me(self, params: dict[str, Any]) -> JSONDict:
        return dict(self.bot_user)

    def _send_message(self, params: dict[str, Any]) -> JSONDict:
        chat = self._target_chat(params, sending=True)
        text, entities = _format_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        markup = _check_reply_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat["id"], params)
        fields: JSONDict = {"text": text}
        if entities:
            fields["entities"] = entities
        return self._send(chat["id"], fields, markup, reply_to)

    def _send_contact(self, params: dict[str, Any]) -> JSONDict:
        chat = self._target_chat(params, sending=True)
        phone, first_name = params.get("phone_number"), params.get("first_name")
        if not isinstance(phone, str) or not phone.strip():
            raise _bad("phone number is empty")
        if not isinstance(first_name, str) or not first_name.strip():
            raise _bad("first name is empty")
        contact: JSONDict = {"phone_number": phone, "first_name": first_name}
        for optional in ("last_name", "vcard"):
            if isinstance(params.get(optional), str):
                contact[optional] = params[optional]
        markup = _check_reply_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat["id"], params)
        return self._send(chat["id"], {"contact": contact}, markup, reply_to)

    def _edit_message_text(self, params: dict[str, Any]) -> JSONDict | bool:
        text, entities = _format_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        markup = _check_reply_markup(params.get("reply_markup"), inline_only=True)
        message = self._message_to_edit(params)
        if message is None:  # inline message: nothing stored to compare with
            return True
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        unchanged = (
            message["text"] == text
            and message.get("entities", []) == entities
            and message.get("reply_markup") == markup
        )
        if unchanged:
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message["text"] = text
        message["edit_date"] = int(time.time())
        self._set_or_drop(message, "entities", entities or None)
        # Without reply_markup an edit removes the inline keyboard (Bot API, editMessageText).
        self._set_or_drop(message, "reply_markup", markup)
        return copy.deepcopy(message)

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self._issued_callbacks or query_id in self.answered_callbacks:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and (not isinstance(text, str) or len(text) > MAX_CALLBACK_ANSWER_TEXT):
            raise _bad("MESSAGE_TOO_LONG")
        url = params.get("url")
        if url is not None and not (isinstance(url, str) and url.startswith(_BUTTON_URL_PREFIXES)):
            raise _bad("URL_INVALID")
        self.answered_callbacks.add(str(query_id))
        return True

    def _answer_inline_query(self, params: dict[str, Any]) -> bool:
        query_id = params.get("inline_query_id")
        if query_id not in self._issued_inline or query_id in self._answered_inline:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad('parameter "results" is required and must be an Array')
        if len(results) > MAX_INLINE_RESULTS:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._check_inline_result(result, seen)
        next_offset = params.get("next_offset")
        if isinstance(next_offset, str) and len(next_offset.encode("utf-8")) > 64:
            raise _bad("NEXT_OFFSET_INVALID")
        self._answered_inline.add(str(query_id))
        return True

    @staticmethod
    def _check_inline_result(result: Any, seen: set[str]) -> None:
        if not isinstance(result, dict):
            raise _bad("can't parse InlineQueryResult: must be an Object")
        if result.get("type") not in _INLINE_RESULT_TYPES:
            raise _bad("RESULT_TYPE_INVALID")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= 64:
            raise _bad("RESULT_ID_INVALID")
        if result_id in seen:
            raise _bad("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if result["type"] == "article":
            if not isinstance(result.get("title"), str) or not result["title"]:
                raise _bad("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content")
            if not isinstance(content, dict) or "message_text" not in content:
                raise _bad("MESSAGE_EMPTY")
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            _format_text(
                content["message_text"],
                content.get("parse_mode"),
                content.get("entities"),
                empty_error="MESSAGE_EMPTY",
            )
        _check_reply_markup(result.get("reply_markup"), inline_only=True)

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad('parameter "commands" is required and must be an Array')
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand: must be an Object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        language = self._language_code(params)
        if commands:
            self.commands[language] = commands
        else:
            self.commands.pop(language, None)
        return True

    @staticmethod
    def _language_code(params: dict[str, Any]) -> str | None:
        language = params.get("language_code") or None
        if language is not None and not (
            isinstance(language, str) and _LANGUAGE_CODE_RE.fullmatch(language)
        ):
            raise _bad("invalid language code specified")
        return language

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url")
        if not isinstance(url, str):
            raise _bad('parameter "url" is required')
        if url == "":  # "Use an empty string to remove webhook integration" (setWebhook)
            self.webhook = None
            return True
        local = url.startswith(("http://127.0.0.1:", "http://127.0.0.1/"))
        if not (url.startswith("https://") or local):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not (
            isinstance(secret, str) and _SECRET_TOKEN_RE.fullmatch(secret)
        ):
            raise _bad("bad webhook: secret token must be 1-256 characters of A-Za-z0-9_-")
        connections = params.get("max_connections")
        if connections is not None and not (
            isinstance(connections, int) and 1 <= connections <= 100
        ):
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        allowed = params.get("allowed_updates")
        if allowed is not None and not (
            isinstance(allowed, list) and all(isinstance(kind, str) for kind in allowed)
        ):
            raise _bad('field "allowed_updates" must be an Array of Strings')
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {
            key: params[key]
            for key in ("url", "secret_token", "allowed_updates", "max_connections", "ip_address")
            if key in params
        }
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = None
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> JSONDict:
        # WebhookInfo(url, has_custom_certificate, pending_update_count, ...):
        # telegram/_webhookinfo.py.
        info: JSONDict = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook:
            for key in ("max_connections", "allowed_updates", "ip_address"):
                if key in self.webhook:
                    info[key] = self.webhook[key]
        if self.webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self.webhook_error
        return info

    def _get_chat_member(self, params: dict[str, Any]) -> JSONDict:
        chat = self._target_chat(params)
        user_id = _require_int(params, "user_id", "PARTICIPANT_ID_INVALID")
        status = self.members.get(chat["id"], {}).get(user_id, "left")
        # ChatMember subclasses and their required fields: telegram/_chatmember.py
        # (ChatMemberOwner needs is_anonymous, ChatMemberBanned until_date,
        # ChatMemberAdministrator its rights).
        member: JSONDict = {"user": self._user(user_id, "vi"), "status": status}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "administrator":
            rights = (
                "can_be_edited",
                "is_anonymous",
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
            )
            member.update(dict.fromkeys(rights, False))
        return member

    async def _get_updates(self, params: dict[str, Any], request: web.Request) -> list[JSONDict]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            # "An update is considered confirmed as soon as getUpdates is called with an
            # offset higher than its update_id" (Bot API, getUpdates). PTB's Updater passes
            # the last update_id + 1 (Updater._start_polling, polling_action_cb).
            self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]
        elif isinstance(offset, int) and offset < 0:
            # "A negative offset can be specified to retrieve updates starting from -offset
            # update from the end of the updates queue. All previous updates will be forgotten."
            self._updates = self._updates[offset:]
        limit = params.get("limit", 100)
        # "Values between 1-100 are accepted. Defaults to 100." (Bot API, getUpdates)
        limit = min(limit, 100) if isinstance(limit, int) and limit > 0 else 100
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            # An empty list means "all kinds"; when absent the previous setting is kept.
            self._allowed_updates = [str(kind) for kind in allowed] or None
        timeout = params.get("timeout", 0)
        wait = min(float(timeout), MAX_POLL_WAIT) if isinstance(timeout, int | float) else 0.0

        # Only one getUpdates may run at a time: a newer one terminates the older with 409
        # (what Telegram answers when two bot instances poll).
        me = object()
        self._poller = me
        self._updates_changed.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            ready = self._deliverable(limit)
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or self._stopping:
                break
            self._updates_changed.clear()
            try:
                async with asyncio.timeout(remaining):
                    await self._updates_changed.wait()
            except TimeoutError:
                pass
            if self._poller is not me:
                transport = request.transport
                if transport is None or transport.is_closing():
                    # The client already gave up on this poll (PTB cancels its long poll when
                    # the Updater stops, then polls once more with timeout 0 to confirm:
                    # Updater._start_polling, _get_updates_cleanup). Not a conflict; recorded
                    # with nginx's "client closed request" status.
                    raise ApiError(499, "client closed the request before the answer")
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
        if self._poller is me:
            self._poller = None
        return ready

    def _deliverable(self, limit: int) -> list[JSONDict]:
        allowed = self._allowed_updates
        ready = [u for u in self._updates if allowed is None or _update_type(u) in allowed]
        return copy.deepcopy(ready[:limit])

    # --- helpers ----------------------------------------------------------------------------
    def _target_chat(self, params: dict[str, Any], *, sending: bool = False) -> JSONDict:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str):
            matches = [
                chat for chat in self._chats.values() if f"@{chat.get('username')}" == chat_id
            ]
            if not matches:
                raise _bad("chat not found")
            chat_id = matches[0]["id"]
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise _bad("chat not found")
        if chat_id in self.missing_chats:
            raise _bad("chat not found")
        if sending and chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return self._chat(chat_id)

    def _chat(self, chat_id: int) -> JSONDict:
        if chat_id not in self._chats:
            if chat_id > 0:
                self.add_chat(chat_id)
            elif chat_id <= -1_000_000_000_000:
                self.add_chat(chat_id, "supergroup")
            else:
                self.add_chat(chat_id, "group")
        return copy.deepcopy(self._chats[chat_id])

    def _message_to_edit(self, params: dict[str, Any]) -> JSONDict | None:
        if params.get("inline_message_id"):
            return None
        if "message_id" not in params:
            raise _bad("message identifier is not specified")
        chat = self._target_chat(params, sending=True)
        message_id = _require_int(params, "message_id", "message identifier is not specified")
        message = self._messages.get((chat["id"], message_id))
        if message is None:
            raise _bad("message to edit not found")
        if not message.get("from", {}).get("is_bot"):
            raise _bad("message can't be edited")
        return message

    def _reply_target(self, chat_id: int, params: dict[str, Any]) -> JSONDict | None:
        # PTB sends reply_to_message_id as reply_parameters (Bot._send_message).
        reply = params.get("reply_parameters")
        message_id: Any = None
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        elif "reply_to_message_id" in params:
            message_id = params["reply_to_message_id"]
        if message_id is None:
            return None
        target = self._messages.get((chat_id, message_id)) if isinstance(message_id, int) else None
        if target is None and not allow_missing:
            raise _bad("message to be replied not found")
        return target

    def _send(
        self,
        chat_id: int,
        fields: JSONDict,
        markup: JSONDict | None,
        reply_to: JSONDict | None,
    ) -> JSONDict:
        message = self._store_bot_message(chat_id, fields)
        if reply_to is not None:
            message["reply_to_message"] = self._shallow(reply_to)
        if markup is not None:  # only inline keyboards come back on the Message
            message["reply_markup"] = markup
        return copy.deepcopy(message)

    def _store_bot_message(
        self, chat_id: int, fields: JSONDict, message_id: int | None = None
    ) -> JSONDict:
        # Message needs message_id, date, chat {id, type}; from is the bot
        # (telegram/_message.py, Message.__init__).
        message: JSONDict = {
            "message_id": message_id if message_id is not None else self._new_message_id(chat_id),
            "from": dict(self.bot_user),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **fields,
        }
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _user_message(
        self,
        chat_id: int,
        user_id: int | None,
        language_code: str,
        chat_type: str | None,
        fields: JSONDict,
        message_id: int | None = None,
    ) -> JSONDict:
        # chat_type None: keep the chat as registered (a private chat if new).
        if chat_type is not None and self._chats.get(chat_id, {}).get("type") != chat_type:
            self.add_chat(chat_id, chat_type)
        sender = user_id if user_id is not None else self._default_user(chat_id)
        message: JSONDict = {
            "message_id": message_id if message_id is not None else self._new_message_id(chat_id),
            "from": self._user(sender, language_code),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **fields,
        }
        self._messages[(chat_id, message["message_id"])] = message
        return copy.deepcopy(message)

    def _new_message_id(self, chat_id: int) -> int:
        # message_ids grow per chat, shared by the user's and the bot's messages.
        taken = [mid for (cid, mid) in self._messages if cid == chat_id]
        next_id = max([self._next_message_id.get(chat_id, 1), *(m + 1 for m in taken)])
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def _last_bot_message(self, chat_id: int) -> JSONDict:
        mine = [
            m for (cid, _), m in self._messages.items() if cid == chat_id and m["from"]["is_bot"]
        ]
        if mine:
            return max(mine, key=lambda m: int(m["message_id"]))
        return self._store_bot_message(chat_id, {"text": "…"})

    def _default_user(self, chat_id: int) -> int:
        return chat_id if chat_id > 0 else 1001

    @staticmethod
    def _user(user_id: int, language_code: str) -> JSONDict:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User {user_id}",
            "language_code": language_code,
        }

    @staticmethod
    def _shallow(message: JSONDict) -> JSONDict:
        """A copy without its own reply_to_message (Telegram does not nest those further)."""
        result = copy.deepcopy(message)
        result.pop("reply_to_message", None)
        return result

    @staticmethod
    def _set_or_drop(target: JSONDict, key: str, value: Any) -> None:
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value

    def _update(self, kind: str, payload: JSONDict) -> JSONDict:
        update: JSONDict = {"update_id": self._new_update_id(), kind: payload}
        return update

    def _new_update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def _remember_update(self, update: Mapping[str, Any]) -> None:
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query and query["id"] not in self._issued_callbacks:
            self._issued_callbacks.append(str(query["id"]))
        inline = update.get("inline_query")
        if isinstance(inline, dict) and "id" in inline:
            self._issued_inline.add(str(inline["id"]))
