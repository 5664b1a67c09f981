"""Checks of the fake Zalo OA API / OAuth server with a plain aiohttp client."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fake_zalo import REFRESH_PATH, SEND_PATH, Call, FakeZalo

USER = "2512345678901234567"


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    async with FakeZalo() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def send(
    fake: FakeZalo,
    http: aiohttp.ClientSession,
    message: dict[str, Any],
    *,
    token: str | None = "current",
    user_id: Any = USER,
) -> dict[str, Any]:
    headers = {} if token is None else {"access_token": fake.access_token}
    if token not in (None, "current"):
        headers["access_token"] = str(token)
    body = {"recipient": {"user_id": user_id}, "message": message}
    async with http.post(f"{fake.base_url}{SEND_PATH}", json=body, headers=headers) as response:
        assert response.status == 200
        answer: dict[str, Any] = await response.json()
        return answer


async def refresh(
    fake: FakeZalo,
    http: aiohttp.ClientSession,
    refresh_token: str | None = None,
    *,
    secret: str | None = None,
    **fields: str,
) -> dict[str, Any]:
    form = {
        "app_id": fake.app_id,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token if refresh_token is not None else fake.refresh_token,
        **fields,
    }
    headers = {"secret_key": secret if secret is not None else fake.app_secret}
    async with http.post(f"{fake.base_url}{REFRESH_PATH}", data=form, headers=headers) as response:
        assert response.status == 200
        answer: dict[str, Any] = await response.json()
        return answer


def buttons(count: int) -> dict[str, Any]:
    items = [
        {"title": f"Mục {i}", "type": "oa.query.show", "payload": f"q:{i}"} for i in range(count)
    ]
    return {
        "text": "Chọn một mục",
        "attachment": {"type": "template", "payload": {"buttons": items}},
    }


# --- sending --------------------------------------------------------------------------------
async def test_valid_send_with_every_button_type(
    fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    message = {
        "text": "Bạn cần giúp gì về Bluezone?",
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "button",
                "buttons": [
                    {
                        "title": "Mở trang",
                        "type": "oa.open.url",
                        "payload": {"url": "https://bluezone.gov.vn"},
                    },
                    {"title": "Cài đặt", "type": "oa.query.hide", "payload": "#q:install"},
                    {
                        "title": "Gọi 1900 9095",
                        "type": "oa.open.phone",
                        "payload": {"phone_code": "19009095"},
                    },
                    {
                        "title": "Nhắn tin",
                        "type": "oa.open.sms",
                        "payload": {"content": "Xin hỗ trợ", "phone_code": "0912345678"},
                    },
                ],
            },
        },
    }
    answer = await send(fake, http, message)
    assert answer["error"] == 0 and answer["message"] == "Success"
    assert answer["data"]["user_id"] == USER and answer["data"]["message_id"]
    second = await send(fake, http, {"text": "tiếp"})
    assert second["data"]["message_id"] != answer["data"]["message_id"]

    [first, _] = fake.sent(USER)
    assert first.method == "send" and first.path == SEND_PATH
    assert first.headers["access_token"] == "access-1"
    assert first.body["message"] == message and first.answer == answer
    assert [b["type"] for b in first.buttons][:2] == ["oa.open.url", "oa.query.hide"]
    assert fake.texts(USER) == ["Bạn cần giúp gì về Bluezone?", "tiếp"]
    assert fake.sent("someone-else") == []


async def test_missing_or_wrong_token_is_refused(
    fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    missing = await send(fake, http, {"text": "hi"}, token=None)
    wrong = await send(fake, http, {"text": "hi"}, token="access-999")
    for answer in (missing, wrong):
        assert answer == {"error": -216, "message": "Access token is invalid"}
    assert fake.sent() == [] and len(fake.calls) == 2
    assert not fake.calls[0].ok and fake.calls[1].error == -216


async def test_text_length_limit(fake: FakeZalo, http: aiohttp.ClientSession) -> None:
    too_long = await send(fake, http, {"text": "ạ" * 2001})
    assert too_long["error"] == -201 and "2001" in too_long["message"]
    assert (await send(fake, http, {"text": ""}))["error"] == -201
    assert (await send(fake, http, {"text": "ạ" * 2000}))["error"] == 0
    assert [len(text) for text in fake.texts()] == [2000]


async def test_button_limit_is_four_by_default(fake: FakeZalo, http: aiohttp.ClientSession) -> None:
    refused = await send(fake, http, buttons(5))
    assert refused["error"] == -201 and "at most 4 buttons" in refused["message"]
    assert (await send(fake, http, buttons(4)))["error"] == 0
    fake.max_buttons = 5
    assert (await send(fake, http, buttons(5)))["error"] == 0
    assert (await send(fake, http, buttons(6)))["error"] == -201  # Zalo's own limit
    assert (await send(fake, http, buttons(0)))["error"] == -201
    assert [len(call.buttons) for call in fake.sent()] == [4, 5]


def _one_button(button: dict[str, Any]) -> dict[str, Any]:
    return {"text": "x", "attachment": {"type": "template", "payload": {"buttons": [button]}}}


@pytest.mark.parametrize(
    "message",
    [
        _one_button(
            {"title": "Gọi", "type": "oa.open.phone", "payload": {"phone_code": "19OO9095"}}
        ),
        _one_button({"title": "Gọi", "type": "oa.open.phone", "payload": {"phone_code": "12345"}}),
        _one_button({"title": "Gọi", "type": "oa.open.phone", "payload": "19009095"}),
        _one_button({"title": "Web", "type": "oa.open.url", "payload": {"url": "ftp://x.vn"}}),
        _one_button({"title": "Web", "type": "oa.open.url", "payload": "https://x.vn"}),
        _one_button({"title": "Hỏi", "type": "oa.query.show", "payload": ""}),
        _one_button({"title": "Hỏi", "type": "oa.query.show", "payload": "q" * 1001}),
        _one_button({"title": "", "type": "oa.query.show", "payload": "q"}),
        _one_button({"title": "t" * 101, "type": "oa.query.show", "payload": "q"}),
        _one_button({"title": "Bấm", "type": "postback", "payload": "q"}),
        _one_button(
            {"title": "SMS", "type": "oa.open.sms", "payload": {"phone_code": "0912345678"}}
        ),
        _one_button({"title": "Hỏi", "type": "oa.query.show", "payload": "q", "color": "red"}),
        {"text": "x", "attachment": {"type": "buttons", "payload": {"buttons": []}}},
        {},
        {"text": 42},
        {"text": "x", "quick_replies": []},
    ],
)
async def test_invalid_messages_are_refused(
    fake: FakeZalo, http: aiohttp.ClientSession, message: dict[str, Any]
) -> None:
    answer = await send(fake, http, message)
    assert answer["error"] == -201 and answer["message"].startswith("Parameters invalid: ")
    assert fake.sent() == []


async def test_recipient_must_be_a_string_user_id(
    fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    assert (await send(fake, http, {"text": "x"}, user_id=int(USER)))["error"] == -201
    assert (await send(fake, http, {"text": "x"}, user_id=""))["error"] == -201
    async with http.post(
        f"{fake.base_url}{SEND_PATH}",
        data=b"not json",
        headers={"access_token": fake.access_token, "Content-Type": "application/json"},
    ) as response:
        assert (await response.json())["error"] == -201
    assert fake.calls[-1].body == {"_raw": "not json"}


async def test_fail_next_then_success(fake: FakeZalo, http: aiohttp.ClientSession) -> None:
    fake.fail_next(-32, times=2)
    fake.fail_next(-230, "Ngoài thời gian tương tác")
    answers = [await send(fake, http, {"text": "hi"}) for _ in range(4)]
    assert [a["error"] for a in answers] == [-32, -32, -230, 0]
    assert answers[2]["message"] == "Ngoài thời gian tương tác"
    assert len(fake.sent()) == 1 and fake.sent()[0] is fake.calls[-1]


async def test_fail_next_comes_after_the_token_check(
    fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    fake.fail_next(-32)
    assert (await send(fake, http, {"text": "hi"}, token="wrong"))["error"] == -216
    assert (await send(fake, http, {"text": ""}))["error"] == -32  # before validation
    assert (await send(fake, http, {"text": "hi"}))["error"] == 0


async def test_not_followers_and_outside_window(
    fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    fake.not_followers.add("111")
    fake.outside_window.add("222")
    assert (await send(fake, http, {"text": "x"}, user_id="111"))["error"] == -213
    assert (await send(fake, http, {"text": "x"}, user_id="222"))["error"] == -230
    assert (await send(fake, http, {"text": "x"}, user_id="333"))["error"] == 0
    assert [call.user_id for call in fake.sent()] == ["333"]


# --- tokens ---------------------------------------------------------------------------------
async def test_refresh_rotates_and_the_refresh_token_is_single_use(
    fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    answer = await refresh(fake, http)
    assert answer == {
        "access_token": "access-2",
        "refresh_token": "refresh-2",
        "expires_in": "90000",
    }
    assert (fake.access_token, fake.refresh_token) == ("access-2", "refresh-2")
    call = fake.refreshed()[0]
    assert call.headers["secret_key"] == fake.app_secret
    assert call.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert call.body == {
        "app_id": fake.app_id,
        "grant_type": "refresh_token",
        "refresh_token": "refresh-1",
    }

    reused = await refresh(fake, http, "refresh-1")
    assert reused["error"] == -14014 and reused["error_name"] == "Invalid refresh token"
    assert "access_token" not in reused and fake.refresh_token == "refresh-2"
    assert (await send(fake, http, {"text": "x"}, token="access-1"))["error"] == -216
    assert (await send(fake, http, {"text": "x"}))["error"] == 0
    assert (await refresh(fake, http))["access_token"] == "access-3"


@pytest.mark.parametrize(
    ("secret", "fields"),
    [
        ("wrong-secret", {}),
        (None, {"app_id": "42"}),
        (None, {"grant_type": "authorization_code"}),
    ],
)
async def test_refresh_checks_secret_app_and_grant(
    fake: FakeZalo, http: aiohttp.ClientSession, secret: str | None, fields: dict[str, str]
) -> None:
    answer = await refresh(fake, http, secret=secret, **fields)
    assert answer["error"] == -14014 and answer["error_description"]
    assert (fake.access_token, fake.refresh_token) == ("access-1", "refresh-1")
    assert fake.refreshed() == []


async def test_refresh_must_be_form_encoded(fake: FakeZalo, http: aiohttp.ClientSession) -> None:
    form = {"app_id": fake.app_id, "grant_type": "refresh_token", "refresh_token": "refresh-1"}
    async with http.post(
        f"{fake.base_url}{REFRESH_PATH}", json=form, headers={"secret_key": fake.app_secret}
    ) as response:
        assert (await response.json())["error"] == -14014
    assert fake.refresh_token == "refresh-1"


async def test_fail_refresh_does_not_rotate(fake: FakeZalo, http: aiohttp.ClientSession) -> None:
    fake.fail_refresh()
    failed = await refresh(fake, http)
    assert failed["error"] == -14014 and failed["error_name"] == "Invalid refresh token"
    assert (fake.access_token, fake.refresh_token) == ("access-1", "refresh-1")
    assert (await refresh(fake, http, "refresh-1"))["refresh_token"] == "refresh-2"
    assert [call.ok for call in fake.calls] == [False, True]


@pytest.mark.parametrize(("error", "message"), [(-216, "Access token is invalid"), (-220, None)])
async def test_expired_token_then_refreshed_token_works(
    fake: FakeZalo, http: aiohttp.ClientSession, error: int, message: str | None
) -> None:
    fake.expire_access_token(error)
    answer = await send(fake, http, {"text": "x"})
    assert answer["error"] == error
    if message is not None:
        assert answer["message"] == message
    new = await refresh(fake, http)
    assert (await send(fake, http, {"text": "x"}, token=new["access_token"]))["error"] == 0
    assert (await send(fake, http, {"text": "x"}, token="access-1"))["error"] == error


# --- webhook events -------------------------------------------------------------------------
def test_signed_signature_recomputes_from_the_raw_bytes(fake: FakeZalo) -> None:
    event = fake.event("user_send_text", USER, "Xin chào, Bluezone lỗi")
    raw, headers = fake.signed(event)
    assert headers["Content-Type"] == "application/json"
    assert "Xin chào".encode() in raw  # UTF-8, not \\u escapes
    assert json.loads(raw) == event
    value = headers["X-ZEvent-Signature"]
    assert value.startswith("mac=")
    expected = hashlib.sha256(
        fake.app_id.encode() + raw + event["timestamp"].encode() + fake.oa_secret_key.encode()
    ).hexdigest()
    assert value.removeprefix("mac=") == expected

    _, wrong = fake.signed(event, secret="not-the-key")
    assert wrong["X-ZEvent-Signature"] != value
    _, bare = fake.signed(event, mac_prefix=False)
    assert bare["X-ZEvent-Signature"] == expected


def test_text_event_shape(fake: FakeZalo) -> None:
    event = fake.event("user_send_text", USER, "hỏi")
    assert event["event_name"] == "user_send_text" and event["app_id"] == fake.app_id
    assert event["sender"] == {"id": USER} and event["recipient"] == {"id": fake.oa_id}
    assert event["message"]["text"] == "hỏi" and event["message"]["msg_id"]
    assert isinstance(event["timestamp"], str) and event["timestamp"].isdigit()
    assert event["user_id_by_app"] == fake.user_id_by_app(USER) != USER
    again = fake.event("user_send_text", USER, "hỏi")
    assert again["message"]["msg_id"] != event["message"]["msg_id"]
    assert int(again["timestamp"]) > int(event["timestamp"])
    assert fake.event("user_send_text", USER, "x", msg_id="m1")["message"]["msg_id"] == "m1"
    with pytest.raises(ValueError):
        fake.event("user_send_text", USER)


def test_follow_and_attachment_events(fake: FakeZalo) -> None:
    follow = fake.event("follow", USER, source="qr_code")
    assert follow["follower"] == {"id": USER} and follow["oa_id"] == fake.oa_id
    assert follow["source"] == "qr_code" and "message" not in follow and "sender" not in follow
    assert fake.event("unfollow", USER)["event_name"] == "unfollow"

    image = fake.event("user_send_image", USER)
    [attachment] = image["message"]["attachments"]
    assert attachment["type"] == "image" and attachment["payload"]["url"].startswith("https://")
    assert "text" not in image["message"]
    location = fake.event("user_send_location", USER)
    assert location["message"]["attachments"][0]["payload"]["coordinates"]["latitude"]
    assert fake.event("user_send_sticker", USER)["message"]["attachments"][0]["type"] == "sticker"
    assert fake.event("user_send_audio", USER)["message"]["attachments"][0]["type"] == "audio"
    echo = fake.event("oa_send_text", USER, "trả lời")
    assert echo["sender"] == {"id": fake.oa_id} and echo["recipient"] == {"id": USER}


# --- waiting and routing --------------------------------------------------------------------
async def test_wait_for_times_out_with_an_assertion_error(fake: FakeZalo) -> None:
    with pytest.raises(AssertionError, match=r"condition not met within 0\.05 s") as raised:
        await fake.wait_for(lambda calls: len(calls) > 0, timeout=0.05)
    assert "(none)" in str(raised.value)


async def test_wait_for_timeout_lists_the_recent_calls(
    fake: FakeZalo, http: aiohttp.ClientSession
) -> None:
    await send(fake, http, {"text": "một"})
    with pytest.raises(AssertionError, match="một"):
        await fake.wait_for(lambda calls: len(calls) > 1, timeout=0.05)


async def test_wait_for_wakes_up_on_a_send(fake: FakeZalo, http: aiohttp.ClientSession) -> None:
    task = asyncio.create_task(send(fake, http, {"text": "đây"}))
    [call] = await fake.wait_sent(1, USER)
    assert call.text == "đây"
    assert (await task)["error"] == 0


async def test_unknown_paths_and_methods(fake: FakeZalo, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{fake.base_url}/v2.0/oa/message", json={}) as response:
        assert response.status == 404
    async with http.get(f"{fake.base_url}{SEND_PATH}") as response:
        assert response.status == 405
    assert [(c.method, c.status) for c in fake.calls] == [("unknown", 404), ("unknown", 405)]
    assert all(isinstance(c, Call) and not c.ok for c in fake.calls)
