"""Fuzzing the three routes that take input from the Internet (Hypothesis): random and
malformed bodies and auth headers on `/api/chat`, `/telegram/webhook` (with and without the
secret) and `/zalo/webhook` (with and without a valid signature). Nothing answers 5xx, no
unhandled exception is logged, and afterwards every channel still answers a question.

One server with the web chat and Telegram, one with the web chat and Zalo, both against
their fakes, are shared by the module's tests; the last test checks them after the fuzzing.
Requests are written byte by byte (tests/raw_http.py), so header bytes need not be UTF-8.
The examples are derandomised: the same ones every run, so a failure is reproducible.
"""

from __future__ import annotations

import json
import logging
import string
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.content import Content
from bot.matcher import Understander
from channels.zalo import wire
from tests import test_telegram, test_zalo
from tests.fake_zalo import FakeZalo
from tests.raw_http import raw_post

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXAMPLES = {"chat": 500, "telegram": 500, "zalo": 500}
FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The limits are not what is fuzzed here (tests/test_web_limits.py): off, so every request
# reaches the parsing it is meant to exercise.
NO_LIMITS = {"WEB_SESSION_PER_MINUTE": "0", "WEB_ADDRESS_PER_MINUTE": "0"}


class Tracebacks(logging.Handler):
    """Keeps every log record that carries a traceback (how an unhandled exception shows)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or (record.name.startswith("aiohttp") and record.levelno >= 40):
            self.records.append(record)


@dataclass
class Servers:
    """The two servers under fuzz, and what was sent to them."""

    telegram: test_telegram.Running
    zalo: test_zalo.Running
    tracebacks: Tracebacks
    sent: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)

    async def post(
        self, target: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> int:
        """POST to one of the servers; the status, counted."""
        port = self.zalo.port if path == "/zalo/webhook" else self.telegram.port
        status = await raw_post(port, path, headers, body)
        self.sent[target] += 1
        self.statuses[status] += 1
        return status


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def servers(
    tmp_path_factory: pytest.TempPathFactory, content: Content, understander: Understander
) -> AsyncIterator[Servers]:
    """Both servers, up for the whole module, with every traceback logged kept."""
    tracebacks = Tracebacks()
    logging.getLogger().addHandler(tracebacks)
    async with AsyncExitStack() as stack:
        telegram = await stack.enter_async_context(
            test_telegram.running(
                tmp_path_factory.mktemp("telegram"),
                content,
                understander,
                webhook=True,
                extra_env=NO_LIMITS,
            )
        )
        zalo = await stack.enter_async_context(
            test_zalo.running(tmp_path_factory.mktemp("zalo"), content, understander, **NO_LIMITS)
        )
        yield Servers(telegram, zalo, tracebacks)
    logging.getLogger().removeHandler(tracebacks)


# --- what is sent ---------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and infinities too: json.dumps writes them as NaN / Infinity
    | st.text(max_size=40)
    | st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=6,
)
# Any JSON value, mostly the cheap kind (drawing nested values is most of a run's time).
anything = scalars | scalars | json_values
HOSTILE = [
    b"",
    b"[" * 60_000,
    b"[" * 100_000,  # over the 64 KiB body limit
    b"[" * 900 + b"]" * 900,
    b'{"a":' * 2000 + b"1" + b"}" * 2000,
    b"7" * 5000,
    b'{"n": ' + b"9" * 4299 + b"}",
    b"NaN",
    b"[1e999, -Infinity]",
    b"\xef\xbb\xbf{}",
    b'{"x": "\\ud800\\udc00\\udfff"}',
    b"{" + b'"k":1,' * 8000 + b'"end":2}',
    b'"' + b"a" * 64_000 + b'"',
    b'{"text": "' + "ệ".encode() * 20_000 + b'"}',
]


def encoded(value: Any, ascii_only: bool) -> bytes:
    """`value` as the JSON a client would send (surrogates kept as they are)."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def documents(shapes: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Bodies: a shaped document, any JSON, hostile JSON, or random bytes."""
    as_json = st.builds(encoded, shapes | json_values, st.booleans())
    return st.one_of(as_json, as_json, st.sampled_from(HOSTILE), st.binary(max_size=400), as_json)


SESSION_LETTERS = string.ascii_letters + string.digits + "_-"
sessions = st.text(SESSION_LETTERS, min_size=8, max_size=64) | anything
actions = st.sampled_from(
    ["hello", "menu", "p:soc-trang", "g:bluezone.install:android", "del:yes", "r", "zz:9"]
)
chat_shapes = st.fixed_dictionaries(
    {},
    optional={
        "session": sessions,
        "text": st.text(max_size=300) | anything | st.just("cài bluezone " * 2000),
        "action": actions | st.text(max_size=80) | anything,
        "locale": st.sampled_from(["vi", "en", "xx"]) | anything,
    },
)

ids = st.integers(min_value=1, max_value=10**6) | st.integers() | anything
person = st.fixed_dictionaries(
    {"id": ids, "is_bot": st.booleans(), "first_name": st.text(max_size=10)},
    optional={"language_code": st.sampled_from(["vi", "en", "zz"]) | anything},
)
message = st.fixed_dictionaries(
    {
        "message_id": ids,
        "date": st.integers(min_value=0, max_value=2**31) | anything,
        "chat": st.fixed_dictionaries(
            {"id": ids, "type": st.sampled_from(["private", "group", "supergroup", "channel"])}
        ),
    },
    optional={
        "from": person,
        "text": st.text(max_size=200),
        "entities": anything,
        "photo": anything,
        "sticker": anything,
        "caption": st.text(max_size=50),
        "reply_to_message": anything,
    },
)
update_kinds = {
    kind: message | anything
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post")
}
update_kinds["callback_query"] = st.fixed_dictionaries(
    {"id": st.text(max_size=8), "from": person, "chat_instance": st.text(max_size=8)},
    optional={"data": st.text(max_size=64), "message": message},
)
update_kinds["inline_query"] = st.fixed_dictionaries(
    {
        "id": st.text(max_size=8),
        "from": person,
        "query": st.text(max_size=64),
        "offset": st.just(""),
    }
)
update_kinds["my_chat_member"] = anything
update_kinds["some_future_kind"] = anything
telegram_shapes = st.fixed_dictionaries(
    {"update_id": st.integers(min_value=1, max_value=2**31) | ids},
    optional={**update_kinds, "unknown_field": anything},
)


# Stands for the time of sending in a Zalo event's `timestamp` (put in just before it is sent).
NOW = "<now>"
people = st.fixed_dictionaries({"id": st.text(max_size=20) | anything})
zalo_shapes = st.fixed_dictionaries(
    {
        "app_id": st.just(FakeZalo().app_id) | anything,
        "event_name": st.sampled_from(
            ["user_send_text", "follow", "unfollow", "user_send_image", "oa_send_text"]
        )
        | st.text(max_size=20),
        "timestamp": st.just(NOW) | anything,
    },
    optional={
        "sender": people | anything,
        "recipient": people,
        "follower": people | anything,
        "user_id_by_app": st.text(max_size=20) | anything,
        "message": st.fixed_dictionaries(
            {},
            optional={
                "text": st.text(max_size=200) | anything,
                "msg_id": st.text(max_size=40) | anything,
                "attachments": anything,
            },
        )
        | anything,
    },
)


content_types = st.sampled_from(
    [b"application/json", b"application/json", b"text/plain", b"application/json; charset=x"]
) | st.binary(min_size=1, max_size=20).filter(lambda b: b"\r" not in b and b"\n" not in b)
header_bytes = st.binary(max_size=80).filter(lambda b: b"\r" not in b and b"\n" not in b)


# --- the properties -------------------------------------------------------------------


@settings(FUZZ, max_examples=EXAMPLES["chat"])
@given(body=documents(chat_shapes), content_type=content_types | st.none())
async def test_the_web_chat_never_answers_5xx(
    servers: Servers, body: bytes, content_type: bytes | None
) -> None:
    headers = [(b"Content-Type", content_type)] if content_type is not None else []
    status = await servers.post("chat", "/api/chat", headers, body)
    assert status < 500, (status, body[:200])


secrets = st.sampled_from(["right", "right", "right", "wrong", "none", "bytes"])


@settings(FUZZ, max_examples=EXAMPLES["telegram"])
@given(
    body=documents(telegram_shapes),
    secret=secrets,
    odd=header_bytes,
    sender=st.ip_addresses(v=4),
)
async def test_the_telegram_webhook_never_answers_5xx(
    servers: Servers, body: bytes, secret: str, odd: bytes, sender: Any
) -> None:
    headers = [(b"Content-Type", b"application/json")]
    given = {
        "right": test_telegram.SECRET.encode(),
        "wrong": b"w" * 40,
        "bytes": odd,
        "none": None,
    }[secret]
    if given is not None:
        headers.append((b"X-Telegram-Bot-Api-Secret-Token", given))
    if secret != "right":  # a guesser of its own: wrong secrets are limited per address
        headers.append((b"X-Forwarded-For", str(sender).encode()))
    status = await servers.post("telegram", "/telegram/webhook", headers, body)
    assert status < 500, (status, body[:200])
    if secret == "right":
        assert status in (200, 400, 413), status
    elif secret != "bytes":  # bytes a header may not hold get aiohttp's own 400
        assert status in (403, 429), status


signatures = st.sampled_from(["valid", "valid", "valid", "stale", "wrong", "none", "bytes"])


@settings(FUZZ, max_examples=EXAMPLES["zalo"])
@given(body=documents(zalo_shapes), signature=signatures, odd=header_bytes)
async def test_the_zalo_webhook_never_answers_5xx(
    servers: Servers, body: bytes, signature: str, odd: bytes
) -> None:
    fake = servers.zalo.fake
    now = str(fake.now_ms())
    body = body.replace(f'"{NOW}"'.encode(), f'"{now}"'.encode())
    stamp = str(int(now) - 3_600_000) if signature == "stale" else now
    mac = wire.signature(fake.app_id, body, stamp, fake.oa_secret_key)
    given = {
        "valid": f"mac={mac}".encode(),
        "stale": f"mac={mac}".encode(),
        "wrong": b"mac=" + b"0" * 64,
        "bytes": odd,
        "none": None,
    }[signature]
    headers = [(b"Content-Type", b"application/json"), (b"X-ZEvent-Timestamp", stamp.encode())]
    if given is not None:
        headers.append((wire.SIGNATURE_HEADER.encode(), given))
    status = await servers.post("zalo", "/zalo/webhook", headers, body)
    assert status < 500, (status, body[:200])
    if signature == "stale":
        assert status != 200 or body.strip() == b"{}", "a stale event is refused"


# --- afterwards -----------------------------------------------------------------------


async def test_afterwards_every_channel_still_answers_and_nothing_crashed(
    servers: Servers,
) -> None:
    assert sum(servers.sent.values()) >= 1500, servers.sent
    assert not [status for status in servers.statuses if status >= 500], servers.statuses
    telegram, zalo = servers.telegram, servers.zalo
    await zalo.channel.idle()  # every signed event stored during the fuzzing is handled
    await telegram.channel.updates.idle()

    replies = await telegram.web_chat("cài bluezone thế nào")
    assert any("Bluezone" in reply["text"] for reply in replies)
    before = len(telegram.fake.sent(4242))
    update = telegram.fake.text_update("/start", 4242)
    update["update_id"] = 2**52 + 4242  # an id no fuzzed update took (it would be a redelivery)
    assert await telegram.post_update(update) == 200
    await telegram.fake.wait_for(lambda _: len(telegram.fake.sent(4242)) > before)
    assert await zalo.post(zalo.fake.event("user_send_text", "4243", text="xin chào")) == 200
    assert zalo.fake.sent("4243")

    tracebacks = [described(record) for record in servers.tracebacks.records]
    assert tracebacks == [], "\n".join(tracebacks)


def described(record: logging.LogRecord) -> str:
    """A logged record with its traceback, for the failure message."""
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info:
        text += "\n" + logging.Formatter().formatException(record.exc_info)
    return text
