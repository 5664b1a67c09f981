"""The web chat's HTTP API and page, served by the real app from `create_app`."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.contacts import hotline_contact
from bot.content import Content
from bot.engine import Engine
from bot.server import create_app
from bot.settings import Settings

Client = TestClient[web.Request, web.Application]
PROVINCE_ACTIONS = {"p:quang-ngai", "p:soc-trang", "p:other"}


@pytest.fixture
async def client(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
    engine: Engine,
    settings: Settings,
) -> Client:
    """A test client talking to the whole server, with every installed channel."""
    test_client = await aiohttp_client(await create_app(engine, settings))
    return test_client


async def post(client: Client, session: str, **fields: Any) -> list[dict[str, Any]]:
    """One turn over the API; asserts it succeeded and returns the replies."""
    response = await client.post("/api/chat", json={"session": session, **fields})
    assert response.status == 200, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert set(body) == {"replies", "support"}
    for contact in body["support"]:
        assert set(contact) == {"name", "phone", "role", "dial"}
    replies: list[dict[str, Any]] = body["replies"]
    for reply in replies:
        assert set(reply) == {"text", "buttons", "contacts", "links", "share"}
        if reply["share"] is not None:
            assert set(reply["share"]) == {"kind", "id", "title", "ref"}
        assert isinstance(reply["text"], str)
        for button in reply["buttons"]:
            assert set(button) == {"label", "action"}
        for contact in reply["contacts"]:
            assert set(contact) == {"name", "phone", "role", "dial"}
        for link in reply["links"]:
            assert set(link) == {"label", "url"}
    return replies


async def support(client: Client, session: str, **fields: Any) -> list[dict[str, Any]]:
    """One turn; the hotline cards the page keeps for when the server cannot be reached."""
    response = await client.post("/api/chat", json={"session": session, **fields})
    assert response.status == 200, await response.text()
    cards: list[dict[str, Any]] = (await response.json())["support"]
    return cards


def actions(replies: list[dict[str, Any]]) -> list[str]:
    """Every button action of one turn, in order."""
    return [b["action"] for r in replies for b in r["buttons"]]


def contacts(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every contact card of one turn."""
    return [c for r in replies for c in r["contacts"]]


def all_text(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies)


async def refused(response: Any, status: int) -> str:
    """Asserts a refusal: the status, and a JSON body `{"error": "..."}`; returns the message."""
    text = await response.text()
    assert response.status == status, text
    assert response.content_type == "application/json", text
    body = json.loads(text)
    assert isinstance(body, dict)
    assert isinstance(body.get("error"), str)
    assert body["error"]
    return str(body["error"])


# --- health and page ------------------------------------------------------------------


async def test_healthz_is_ok_and_lists_the_web_channel(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert "web" in body["channels"]
    assert body["topics"] > 0


async def test_page_is_vietnamese_by_default_with_security_headers(client: Client) -> None:
    response = await client.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    assert '<html lang="vi">' in html
    assert 'data-locale="vi"' in html
    assert "Gõ câu hỏi của bạn…" in html
    assert "Type your question" not in html
    assert '<script src="/static/chat.js"></script>' in html
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


async def test_page_in_english_with_lang_en(client: Client) -> None:
    response = await client.get("/", params={"lang": "en"})
    assert response.status == 200
    html = await response.text()
    assert '<html lang="en">' in html
    assert "Type your question…" in html
    assert "Gõ câu hỏi" not in html


async def test_page_ignores_an_unknown_lang(client: Client) -> None:
    response = await client.get("/", params={"lang": '"><script>x</script>'})
    assert response.status == 200
    html = await response.text()
    assert '<html lang="vi">' in html
    assert "<script>x</script>" not in html


async def test_static_script_is_served(client: Client) -> None:
    response = await client.get("/static/chat.js")
    assert response.status == 200
    assert "/api/chat" in await response.text()


async def test_the_favicon_is_served_and_linked(client: Client) -> None:
    response = await client.get("/static/favicon.svg")
    assert response.status == 200
    assert response.content_type == "image/svg+xml"
    assert "<svg" in await response.text()
    html = await (await client.get("/")).text()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


async def test_page_names_the_operator_and_links_the_about_page(client: Client) -> None:
    html = await (await client.get("/")).text()
    assert (
        '<a href="https://quangngai.gov.vn/web/so-thong-tin-va-truyen-thong" '
        'rel="noopener noreferrer">Sở Thông tin và Truyền thông Quảng Ngãi</a>'
    ) in html
    assert '<a class="chat__about" href="/about?lang=vi">Giới thiệu dịch vụ</a>' in html
    english = await (await client.get("/", params={"lang": "en"})).text()
    assert "Quảng Ngãi Department of Information and Communications</a>" in english
    assert 'href="/about?lang=en">About this service</a>' in english


async def test_page_gives_the_script_its_words_in_the_page_language(client: Client) -> None:
    html = await (await client.get("/")).text()
    for attribute in (
        'data-retry="↻ Thử lại"',
        'data-menu="☰ Menu chính"',
        'data-you="Bạn:"',
        'data-copied="Đã sao chép đường dẫn"',
        'data-typing="Hỗ trợ cài đặt đang soạn câu trả lời"',
    ):
        assert attribute in html
    english = await (await client.get("/", params={"lang": "en"})).text()
    assert 'data-retry="↻ Try again"' in english
    assert 'data-you="You:"' in english


@pytest.mark.parametrize(
    ("query", "guide", "topic"),
    [
        ("guide=bluezone.install", "bluezone.install", ""),
        ("topic=qr.scan", "", "qr.scan"),
        ("guide=bluezone.install&topic=qr.scan", "bluezone.install", ""),
        ("guide=Bluezone.Install", "", ""),
        ('guide="><script>alert(1)</script>', "", ""),
        ("topic=qr%20scan", "", ""),
        ("topic=" + "a" * 61, "", ""),
        ("guide=", "", ""),
    ],
    ids=["guide", "topic", "both", "capitals", "html", "space", "too-long", "empty"],
)
async def test_a_shared_link_reaches_the_page_only_when_its_id_is_valid(
    client: Client, query: str, guide: str, topic: str
) -> None:
    html = await (await client.get("/?" + query)).text()
    assert f'data-start-guide="{guide}"' in html
    assert f'data-start-topic="{topic}"' in html
    assert "<script>alert" not in html


# --- a conversation -------------------------------------------------------------------


async def test_first_start_greets_and_asks_the_province(client: Client) -> None:
    replies = await post(client, "person-start-1", text="/start")
    assert len(replies) >= 2
    assert replies[0]["text"].strip()
    assert PROVINCE_ACTIONS <= set(actions(replies))


async def test_conversation_guide_steps_and_province_contact(client: Client) -> None:
    session = "person-conversation-1"
    replies = await post(client, session, text="/start")
    assert "p:soc-trang" in actions(replies)

    replies = await post(client, session, action="p:soc-trang")
    assert "Sóc Trăng" in all_text(replies)
    assert not PROVINCE_ACTIONS & set(actions(replies))

    replies = await post(client, session, text="cai bluezone ntn")
    assert "Bluezone" in all_text(replies)
    guides = [a for a in actions(replies) if a.startswith("g:")]
    assert guides, actions(replies)

    replies = await post(client, session, action=guides[0])
    found = actions(replies)
    if not any(a.endswith(":ok") for a in found):
        # A guide with variants first asks which phone; pick Android.
        variants = [a for a in found if a.startswith(guides[0] + ":")]
        assert variants, found
        android = [a for a in variants if "android" in a] or variants
        replies = await post(client, session, action=android[0])
        found = actions(replies)
    assert any(a.endswith(":ok") for a in found), found
    assert any(a.endswith(":fail") for a in found), found

    replies = await post(client, session, text="cho toi so ho tro")
    cards = contacts(replies)
    assert {"phone": "0299.3626800", "dial": "02993626800"}.items() <= next(
        (c for c in cards if c["phone"] == "0299.3626800"), {}
    ).items(), cards


async def test_state_survives_between_requests_and_sessions_are_separate(
    client: Client,
) -> None:
    first, second = "person-state-aaa", "person-state-bbb"
    assert PROVINCE_ACTIONS <= set(actions(await post(client, first, text="/start")))
    await post(client, first, action="p:soc-trang")

    # Same session, a later request: the province is remembered.
    replies = await post(client, first, text="/start")
    assert not PROVINCE_ACTIONS & set(actions(replies))
    replies = await post(client, first, text="cho toi so ho tro")
    assert "02993626800" in [c["dial"] for c in contacts(replies)]

    # Another session is another person: asked for the province again.
    replies = await post(client, second, text="/start")
    assert PROVINCE_ACTIONS <= set(actions(replies))


async def test_locale_hint_gives_a_new_person_english(client: Client) -> None:
    replies = await post(client, "person-english-1", text="/start", locale="en")
    assert PROVINCE_ACTIONS <= set(actions(replies))
    labels = [b["label"] for r in replies for b in r["buttons"]]
    vietnamese = await post(client, "person-vietnam-1", text="/start")
    vietnamese_labels = [b["label"] for r in vietnamese for b in r["buttons"]]
    assert "Tỉnh khác" in vietnamese_labels
    assert "Tỉnh khác" not in labels
    assert all_text(replies) != all_text(vietnamese)


async def test_support_holds_the_hotlines_of_the_persons_province(
    client: Client, content: Content
) -> None:
    def cards_of(province_id: str, locale: str) -> list[dict[str, str]]:
        province = content.province(province_id)
        assert province is not None
        cards = [hotline_contact(h, locale, content) for h in province.hotlines]
        return [{"name": c.name, "role": c.role, "phone": c.phone, "dial": c.dial} for c in cards]

    session = "person-support-1"
    assert await support(client, session, action="hello") == []
    cards = await support(client, session, action="p:soc-trang")
    assert cards == cards_of("soc-trang", "vi")
    assert cards[0]["dial"] == "02993626800" and "(02/2021)" in cards[0]["role"]
    # Any later turn carries them too, in the language the page asks for.
    english = await support(client, session, text="cai bluezone", locale="en")
    assert english == cards_of("soc-trang", "en")
    assert english[0]["role"].startswith("Sóc Trăng Department of Information and Communications")
    assert [c["dial"] for c in await support(client, session, action="p:quang-ngai")] == [
        "0982142211",
        "0914559068",
    ]
    assert await support(client, session, action="p:other") == []


async def test_support_is_empty_once_the_data_is_deleted(client: Client) -> None:
    session = "person-support-2"
    assert await support(client, session, action="p:soc-trang")
    assert await support(client, session, action="del:yes") == []
    assert await support(client, session, action="hello") == []


async def test_hello_greets_a_stranger_and_offers_a_returning_person_the_guide(
    client: Client,
) -> None:
    session = "person-hello-1"
    assert PROVINCE_ACTIONS <= set(actions(await post(client, session, action="hello")))
    await post(client, session, action="p:soc-trang")
    steps = await post(client, session, action="g:bluezone.install:android")
    assert any(a.endswith(":ok") for a in actions(steps))

    replies = await post(client, session, action="hello")
    assert "r" in actions(replies)  # continue the guide
    assert not PROVINCE_ACTIONS & set(actions(replies))
    assert not any(a.endswith(":ok") for a in actions(replies))


async def test_a_guide_start_and_a_topic_answer_can_be_shared(client: Client) -> None:
    session = "person-share-1"
    replies = await post(client, session, text="/start guide_bluezone-install")
    assert replies[-1]["share"] == {
        "kind": "guide",
        "id": "bluezone.install",
        "title": "Hướng dẫn cài Bluezone",
        "ref": None,  # a citizen, not a volunteer: the link carries no referral code
    }
    replies = await post(client, session, text="/start topic_qr-scan")
    shares = [r["share"] for r in replies if r["share"]]
    assert [(s["kind"], s["id"]) for s in shares] == [("topic", "qr.scan")]


# --- refusals -------------------------------------------------------------------------


async def test_refuses_a_body_that_is_not_json(client: Client) -> None:
    response = await client.post(
        "/api/chat", data=b"this is not json", headers={"Content-Type": "application/json"}
    )
    await refused(response, 400)


async def test_refuses_invalid_utf8(client: Client) -> None:
    response = await client.post(
        "/api/chat",
        data=b'{"session": "abcdefgh", "text": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )
    await refused(response, 400)


async def test_an_unknown_charset_label_is_ignored(client: Client) -> None:
    """JSON is UTF-8 by definition (RFC 8259); a bogus charset label must not crash anything."""
    response = await client.post(
        "/api/chat",
        data='{"session": "abcdefgh", "text": "chào"}'.encode(),
        headers={"Content-Type": "application/json; charset=no-such-charset"},
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["replies"]


async def test_refuses_the_wrong_content_type(client: Client) -> None:
    response = await client.post(
        "/api/chat",
        data=json.dumps({"session": "abcdefgh", "text": "hello"}),
        headers={"Content-Type": "text/plain"},
    )
    await refused(response, 415)


async def test_refuses_a_json_array(client: Client) -> None:
    response = await client.post("/api/chat", json=[{"session": "abcdefgh", "text": "hi"}])
    await refused(response, 400)


@pytest.mark.parametrize(
    "body",
    [
        {"text": "hello"},
        {"session": None, "text": "hello"},
        {"session": 12345678, "text": "hello"},
        {"session": "short", "text": "hello"},
        {"session": "bad session!", "text": "hello"},
        {"session": "x" * 65, "text": "hello"},
        {"session": "../../etc/passwd", "text": "hello"},
        {"session": "phiên-làm-việc", "text": "hello"},
        {"session": "abcdefgh\n", "text": "hello"},
    ],
    ids=[
        "missing",
        "null",
        "number",
        "short",
        "space-and-bang",
        "too-long",
        "path",
        "non-ascii",
        "trailing-newline",
    ],
)
async def test_refuses_a_missing_or_invalid_session(client: Client, body: dict[str, Any]) -> None:
    response = await client.post("/api/chat", json=body)
    message = await refused(response, 400)
    assert "session" in message


async def test_refuses_both_text_and_action(client: Client) -> None:
    response = await client.post(
        "/api/chat", json={"session": "abcdefgh", "text": "hi", "action": "menu"}
    )
    await refused(response, 400)


@pytest.mark.parametrize(
    "body",
    [{"session": "abcdefgh"}, {"session": "abcdefgh", "text": None, "action": None}],
    ids=["absent", "null"],
)
async def test_refuses_neither_text_nor_action(client: Client, body: dict[str, Any]) -> None:
    response = await client.post("/api/chat", json=body)
    await refused(response, 400)


@pytest.mark.parametrize("text", [42, ["hi"], {"a": 1}, True])
async def test_refuses_text_that_is_not_a_string(client: Client, text: Any) -> None:
    response = await client.post("/api/chat", json={"session": "abcdefgh", "text": text})
    message = await refused(response, 400)
    assert "text" in message


async def test_refuses_an_action_that_is_not_a_string(client: Client) -> None:
    response = await client.post("/api/chat", json={"session": "abcdefgh", "action": 7})
    await refused(response, 400)


async def test_refuses_a_body_over_64_kib(client: Client) -> None:
    body = json.dumps({"session": "abcdefgh", "text": "a" * (65 * 1024)})
    response = await client.post(
        "/api/chat", data=body, headers={"Content-Type": "application/json"}
    )
    await refused(response, 413)
    # The server is still fine afterwards.
    assert (await client.get("/healthz")).status == 200


async def test_a_refused_request_changes_nothing(client: Client) -> None:
    response = await client.post(
        "/api/chat", json={"session": "person-refused-1", "text": "hi", "action": "p:soc-trang"}
    )
    await refused(response, 400)
    replies = await post(client, "person-refused-1", text="/start")
    assert PROVINCE_ACTIONS <= set(actions(replies))


async def test_get_on_the_api_is_not_allowed(client: Client) -> None:
    response = await client.get("/api/chat")
    assert response.status == 405


# --- odd and hostile input ------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"text": ""},
        {"text": "   \t\n  "},
        {"text": "a" * 10_000},
        {"text": "cài bluezone " * 800},
        {"text": "😀😀😀"},
        {"text": "<script>alert(1)</script>"},
        {"text": "\x00\x07abc"},
        {"text": "a\ud800b"},
        {"text": "/start guide_no-such-guide"},
        {"action": "zz:nope"},
        {"action": ""},
        {"action": "x" * 5000},
        {"action": "s:bluezone.install:android:store:ok"},
        {"text": "hello", "locale": ["vi"]},
        {"text": "hello", "locale": "xx"},
    ],
    ids=[
        "empty",
        "whitespace",
        "10k-chars",
        "10k-words",
        "emoji",
        "script-tag",
        "control-chars",
        "lone-surrogate",
        "bad-deep-link",
        "unknown-action",
        "empty-action",
        "long-action",
        "stale-step",
        "locale-list",
        "unknown-locale",
    ],
)
async def test_odd_input_gets_a_polite_reply(client: Client, fields: dict[str, Any]) -> None:
    replies = await post(client, "person-odd-input-1", **fields)
    assert replies
    assert any(r["text"].strip() for r in replies)
    assert "<script>" not in all_text(replies)
    # The conversation goes on normally afterwards.
    assert await post(client, "person-odd-input-1", text="cai bluezone ntn")


async def test_stale_step_from_a_new_session_is_handled(client: Client) -> None:
    replies = await post(
        client, "person-stale-step-1", action="s:bluezone.install:android:store:ok"
    )
    assert any(r["text"].strip() for r in replies)
    # It offers a way on (buttons), without pretending a guide is running.
    assert actions(replies)
    assert not any(a.endswith(":ok") or a.endswith(":fail") for a in actions(replies))


async def test_long_text_is_read_from_its_beginning(client: Client) -> None:
    replies = await post(client, "person-long-text-1", text="a" * 10_000)
    assert len(all_text(replies)) < 5_000


async def test_a_page_opening_stores_nobody_until_they_answer(
    client: Client, engine: Engine
) -> None:
    """`hello` from a stranger is answered from memory; the first real turn stores them, and
    a reload after that resumes where they were."""
    from sqlalchemy import func, select

    from bot.storage import User
    from tests.chat import fetch_one

    async def people() -> int:
        return int(await fetch_one(engine.database, select(func.count()).select_from(User)))

    greeting = await post(client, "visitor-0001", action="hello")
    assert any(reply["buttons"] for reply in greeting), "a stranger is greeted with choices"
    assert await people() == 0, "a visit alone stores nothing"
    await post(client, "visitor-0001", action="p:soc-trang")
    assert await people() == 1
    resumed = await post(client, "visitor-0001", action="hello")
    assert "quay lại" in " ".join(reply["text"] for reply in resumed), "welcomed back"
    assert resumed != greeting
