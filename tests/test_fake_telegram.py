"""Checks of the fake Telegram Bot API server against python-telegram-bot's real ``Bot``."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from tests.fake_telegram import Call, FakeBotAPI, parse_html

CHAT = 1001


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    assert fake.base_url is not None
    async with Bot(fake.token, base_url=fake.base_url) as client:
        yield client


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Chọn", callback_data=data)]])


async def test_get_me(fake: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "helpdesk_test_bot", True)
    assert me.supports_inline_queries is True
    assert [call.method for call in fake.calls][:1] == ["getMe"]


async def test_wrong_token_is_rejected(fake: FakeBotAPI) -> None:
    assert fake.base_url is not None
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=fake.base_url):
            pass
    assert fake.calls[-1].status == 401


async def test_send_message_with_valid_html(fake: FakeBotAPI, bot: Bot) -> None:
    html = '<b>Bật</b> Bluetooth &amp; mở <a href="https://bluezone.gov.vn">Bluezone</a> &lt;3'
    message = await bot.send_message(CHAT, html, parse_mode="HTML", reply_markup=keyboard("a:1"))
    assert message.text == "Bật Bluetooth & mở Bluezone <3"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 3),
        ("text_link", 19, 8),
    ]
    assert message.from_user is not None and message.from_user.is_bot
    assert message.chat.id == CHAT and message.chat.type == "private"
    [call] = fake.sent(CHAT)
    assert call.params["text"] == html
    assert call.params["chat_id"] == CHAT
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Chọn", "callback_data": "a:1"}]]
    }


@pytest.mark.parametrize(
    "html",
    [
        "<b>x",
        "a < b",
        "AT&T",
        "x</b>",
        "<b><i>x</b></i>",
        "<br>",
        "<a>link</a>",
        '<span class="other">x</span>',
    ],
)
async def test_broken_html_is_refused_and_recorded(fake: FakeBotAPI, bot: Bot, html: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CHAT, html, parse_mode="HTML")
    assert fake.calls[-1].method == "sendMessage"
    assert fake.calls[-1].params["text"] == html
    assert fake.calls[-1].status == 400
    assert fake.sent(CHAT) == []


def test_parse_html_accepts_html_escape_output() -> None:
    raw = "a<b & 'c' \"d\" > e"
    text, entities = parse_html(f"<i>{html.escape(raw)}</i>")
    assert text == raw
    assert entities == [{"type": "italic", "offset": 0, "length": len(raw)}]


def test_parse_html_pre_with_language_and_numeric_entities() -> None:
    text, entities = parse_html(
        '<pre><code class="language-python">x &#62; 1</code></pre>&#x1F600;'
    )
    assert text == "x > 1😀"
    assert entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


async def test_text_length_limit(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "ạ" * 4097)
    message = await bot.send_message(CHAT, "ạ" * 4096)
    assert message.text == "ạ" * 4096
    # The limit applies after entity parsing: tags do not count, &amp; counts as one character.
    await bot.send_message(CHAT, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "<b>" + "&amp;" * 4097 + "</b>", parse_mode="HTML")
    assert len(fake.sent(CHAT)) == 2


async def test_empty_text_is_refused(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, "<b> </b>", parse_mode="HTML")


async def test_callback_data_limit_counts_bytes(fake: FakeBotAPI, bot: Bot) -> None:
    # "ệ" is one character but three bytes in UTF-8.
    too_long = "ệ" * 21 + "ab"  # 65 bytes, 23 characters
    assert len(too_long.encode()) == 65
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "Chọn", reply_markup=keyboard(too_long))
    fits = "ệ" * 21 + "a"  # 64 bytes
    message = await bot.send_message(CHAT, "Chọn", reply_markup=keyboard(fits))
    assert message.reply_markup is not None
    assert message.reply_markup.inline_keyboard[0][0].callback_data == fits


async def test_button_checks(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)Wrong HTTP URL"):
        await bot.send_message(
            CHAT,
            "x",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("a", url="ftp://x")]]),
        )
    with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed"):
        await bot.send_message(
            CHAT, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("a")]])
        )
    with pytest.raises(BadRequest, match=r"(?i)exactly one"):
        await bot.send_message(
            CHAT,
            "x",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("a", url="https://x.vn", callback_data="d")]]
            ),
        )


async def test_unknown_method_raises(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": CHAT})
    assert fake.calls[-1].method == "sendTelepathy"
    assert fake.calls[-1].status == 404


async def test_fail_next_retry_after(
    fake: FakeBotAPI, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22.2+ warns on int retry_after unless PTB_TIMEDELTA opts in to timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "xin chào")
    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    await bot.send_message(CHAT, "xin chào")  # only the next call failed
    assert [call.status for call in fake.calls if call.method == "sendMessage"] == [429, 200]


async def test_fail_next_times_and_server_errors(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", 502, "Bad Gateway", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(CHAT, "a")
    assert (await bot.send_message(CHAT, "a")).text == "a"


async def test_blocked_chat_is_forbidden(fake: FakeBotAPI, bot: Bot) -> None:
    fake.blocked_chats.add(2002)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(2002, "xin chào")
    await bot.send_message(CHAT, "xin chào")
    assert fake.sent(2002) == []
    assert len(fake.sent(CHAT)) == 1


async def test_send_contact(fake: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_contact(CHAT, phone_number="0982142211", first_name="Hoàng")
    assert message.contact is not None and message.contact.phone_number == "0982142211"
    with pytest.raises(BadRequest, match=r"(?i)first name is empty"):
        await bot._post("sendContact", {"chat_id": CHAT, "phone_number": "1"})


async def test_message_ids_grow_per_chat(bot: Bot) -> None:
    first = await bot.send_message(CHAT, "1")
    second = await bot.send_message(CHAT, "2")
    other = await bot.send_message(3003, "1")
    assert second.message_id == first.message_id + 1
    assert other.message_id == 1


async def test_answer_callback_query(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query("unknown-id")
    sent = await bot.send_message(CHAT, "Chọn", reply_markup=keyboard("app:bluezone"))
    update = fake.callback_update("app:bluezone", CHAT)
    query = update["callback_query"]
    assert query["message"]["message_id"] == sent.message_id
    assert fake.unanswered_callbacks() == [query["id"]]
    assert await bot.answer_callback_query(query["id"], text="OK")
    assert fake.unanswered_callbacks() == []
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query(query["id"])  # twice


async def test_answer_inline_query(fake: FakeBotAPI, bot: Bot) -> None:
    query_id = fake.inline_query_update("bluezone")["inline_query"]["id"]

    def results(count: int) -> list[InlineQueryResultArticle]:
        return [
            InlineQueryResultArticle(str(i), f"Mục {i}", InputTextMessageContent(f"Nội dung {i}"))
            for i in range(count)
        ]

    with pytest.raises(BadRequest, match=r"(?i)RESULTS_TOO_MUCH"):
        await bot.answer_inline_query(query_id, results(51))
    assert len(fake.calls[-1].params["results"]) == 51
    assert await bot.answer_inline_query(query_id, results(50))
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_inline_query("nope", results(1))


async def test_inline_result_ids_must_be_unique(fake: FakeBotAPI, bot: Bot) -> None:
    query_id = fake.inline_query_update("x")["inline_query"]["id"]
    article = InlineQueryResultArticle("same", "A", InputTextMessageContent("a"))
    with pytest.raises(BadRequest, match=r"(?i)RESULT_ID_DUPLICATE"):
        await bot.answer_inline_query(query_id, [article, article])


async def test_get_updates_returns_pushed_and_respects_offset(fake: FakeBotAPI, bot: Bot) -> None:
    first = fake.push_update(fake.text_update("/start", language_code="vi"))
    second = fake.push_update(fake.callback_update("menu:1"))
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first, second]
    assert isinstance(updates[0], Update) and updates[0].message is not None
    assert updates[0].message.text == "/start"
    assert updates[0].message.entities[0].type == "bot_command"
    assert updates[0].effective_user is not None
    assert updates[0].effective_user.language_code == "vi"
    assert updates[1].callback_query is not None
    assert updates[1].callback_query.data == "menu:1"
    # Not confirmed yet: asked again, the same updates come back.
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    # offset confirms everything below it.
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
    assert await bot.get_updates(offset=second + 1) == ()


async def test_long_poll_wakes_on_push(fake: FakeBotAPI, bot: Bot) -> None:
    polling = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls))
    assert not polling.done()
    update_id = fake.push_update(fake.text_update("xin chào"))
    updates = await asyncio.wait_for(polling, 2)
    assert [u.update_id for u in updates] == [update_id]


async def test_second_poller_terminates_the_first(fake: FakeBotAPI, bot: Bot) -> None:
    assert fake.base_url is not None
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls))
    async with Bot(fake.token, base_url=fake.base_url) as other:
        assert await other.get_updates() == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await first


async def test_long_poll_returns_empty_after_cap(fake: FakeBotAPI, bot: Bot) -> None:
    # The wait is capped at 1 s whatever the timeout, so an idle poll ends quickly.
    assert await asyncio.wait_for(bot.get_updates(timeout=30), 3) == ()


async def test_update_builders_parse_in_ptb(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(CHAT, "Bạn cần gì?")
    builders = [
        fake.text_update("trả lời", reply_to_bot=True),
        fake.photo_update(caption="ảnh"),
        fake.sticker_update(),
        fake.voice_update(),
        fake.location_update(),
        fake.contact_update(),
        fake.edited_text_update("sửa lại"),
        fake.inline_query_update("qr"),
        fake.my_chat_member_update(),
        fake.text_update("/help@helpdesk_test_bot", chat_id=-500, chat_type="group", user_id=7),
    ]
    for update in builders:
        fake.push_update(update)
    updates = await bot.get_updates()
    assert len(updates) == len(builders)
    reply = updates[0].message
    assert reply is not None and reply.reply_to_message is not None
    assert reply.reply_to_message.text == "Bạn cần gì?"
    assert updates[1].message is not None and updates[1].message.photo[-1].width == 800
    assert updates[2].message is not None and updates[2].message.sticker is not None
    assert updates[3].message is not None and updates[3].message.voice is not None
    assert updates[4].message is not None and updates[4].message.location is not None
    assert updates[5].message is not None and updates[5].message.contact is not None
    assert updates[6].edited_message is not None
    assert updates[6].edited_message.text == "sửa lại"
    assert updates[7].inline_query is not None and updates[7].inline_query.query == "qr"
    assert updates[8].my_chat_member is not None
    assert updates[8].my_chat_member.new_chat_member.status == "kicked"
    group = updates[9].message
    assert group is not None and group.chat.type == "group" and group.from_user is not None
    assert group.from_user.id == 7
    assert group.entities[0].length == len("/help@helpdesk_test_bot")


async def test_webhook_blocks_get_updates(fake: FakeBotAPI, bot: Bot) -> None:
    assert await bot.set_webhook(
        "http://127.0.0.1:8443/telegram", secret_token="s3cr3t_-", allowed_updates=["message"]
    )
    assert fake.webhook == {
        "url": "http://127.0.0.1:8443/telegram",
        "secret_token": "s3cr3t_-",
        "allowed_updates": ["message"],
    }
    info = await bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:8443/telegram"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert fake.webhook is None
    assert await bot.get_updates() == ()


async def test_webhook_checks(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)HTTPS URL must be provided"):
        await bot.set_webhook("http://example.com/hook")
    with pytest.raises(BadRequest, match=r"(?i)secret token"):
        await bot.set_webhook("https://example.com/hook", secret_token="bad token!")


async def test_set_my_commands(fake: FakeBotAPI, bot: Bot) -> None:
    assert await bot.set_my_commands([("start", "Bắt đầu"), ("help", "Trợ giúp")])
    assert await bot.set_my_commands([("start", "Start")], language_code="en")
    assert fake.commands[None] == [
        {"command": "start", "description": "Bắt đầu"},
        {"command": "help", "description": "Trợ giúp"},
    ]
    assert fake.commands["en"] == [{"command": "start", "description": "Start"}]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Start", "x")])
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_DESCRIPTION_INVALID"):
        await bot.set_my_commands([("start", "")])


async def test_edit_and_delete(fake: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "cũ", reply_markup=keyboard("k"))
    edited = await bot.edit_message_text("mới", CHAT, sent.message_id)
    assert not isinstance(edited, bool) and edited.text == "mới"
    state = fake.message(CHAT, sent.message_id)
    assert state is not None and "reply_markup" not in state  # no markup: keyboard removed
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("mới", CHAT, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", CHAT, 999)
    assert fake.texts(CHAT) == ["cũ", "mới"]


async def test_json_and_get_requests(fake: FakeBotAPI) -> None:
    url = f"{fake.base_url}{fake.token}"
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "x"}]]}
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{url}/sendMessage", json={"chat_id": CHAT, "text": "hi", "reply_markup": markup}
        ) as response:
            body = await response.json()
        assert body["ok"] is True and body["result"]["text"] == "hi"
        async with session.get(f"{url}/getMe") as response:
            assert (await response.json())["result"]["username"] == "helpdesk_test_bot"
        async with session.get(f"{url}/sendMessage", params={"chat_id": "1001"}) as response:
            assert response.status == 400
            assert await response.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message text is empty",
            }
    assert fake.calls[0].params["reply_markup"] == markup


async def test_wait_calls_and_wait_for_timeout(fake: FakeBotAPI, bot: Bot) -> None:
    task = asyncio.create_task(bot.send_message(CHAT, "một"))
    [call] = await fake.wait_calls("sendMessage", 1)
    assert isinstance(call, Call) and call.ok and call.params["text"] == "một"
    await task
    with pytest.raises(AssertionError, match="sendMessage"):
        await fake.wait_calls("sendMessage", 2, timeout=0.05)
