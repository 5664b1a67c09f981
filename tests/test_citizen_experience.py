"""The citizen experience issue, from the citizen's side: what is typed, what must come back.

One group per problem of the issue: answers of another province, the "other province"
hand-over, typed navigation, language by text, coming back to the page, the keypad phone,
and feedback on answers. (The page's own problems are in test_web_browser.py.)
"""

from __future__ import annotations

from bot.content import Content
from bot.render import strip_markup
from tests.chat import Chat, events, hotline_numbers

# What only Quảng Ngãi's letters say: its decision number, its deadline, its QR letter's date.
QUANG_NGAI_ONLY = ("3737", "14/8/2020", "26/8/2021", "Quảng Ngãi")


def answer(content: Content, topic_id: str, province: str | None, locale: str = "vi") -> str:
    """The answer text the content gives a person of `province`, as a chat shows it."""
    topic = content.topic(topic_id)
    assert topic is not None
    return strip_markup(topic.answer_for(province).get(locale))


# 1. Answers that belong to another province ------------------------------------------------


async def test_a_soc_trang_person_gets_soc_trangs_rules_not_quang_ngais(
    chat: Chat, content: Content
) -> None:
    await chat.tap("p:soc-trang")
    await chat.say("bluezone có bắt buộc không")
    assert chat.topic == "policy.who_must_install"
    assert answer(content, "policy.who_must_install", "soc-trang") in chat.text
    assert "Sóc Trăng" in chat.text
    assert not any(mark in chat.text for mark in QUANG_NGAI_ONLY)

    await chat.say("cơ quan tôi phải báo cáo số người cài cho ai")
    assert chat.topic == "policy.report"
    assert answer(content, "policy.report", "soc-trang") in chat.text
    assert not any(mark in chat.text for mark in QUANG_NGAI_ONLY)

    await chat.say("my café needs a QR code?")
    assert chat.topic == "qr.which_places"
    assert answer(content, "qr.which_places", "soc-trang", "en") in chat.text
    assert not any(mark in chat.text for mark in QUANG_NGAI_ONLY)


async def test_a_quang_ngai_person_gets_the_provinces_letter(chat: Chat, content: Content) -> None:
    await chat.tap("p:quang-ngai")
    await chat.say("bluezone có bắt buộc không")
    assert "3737/UBND-KGVX" in chat.text
    assert answer(content, "policy.who_must_install", "quang-ngai") in chat.text


async def test_without_a_province_the_national_answer_offers_the_provinces_own(
    chat: Chat, content: Content
) -> None:
    await chat.say("bluezone có bắt buộc không")
    assert answer(content, "policy.who_must_install", None) in chat.text
    assert not any(mark in chat.text for mark in QUANG_NGAI_ONLY)
    await chat.press("Quy định ở tỉnh tôi")
    await chat.tap("p:quang-ngai")
    assert "3737/UBND-KGVX" in chat.text


async def test_a_province_named_in_the_message_wins_for_that_answer(chat: Chat) -> None:
    await chat.tap("p:soc-trang")
    await chat.say("ở Quảng Ngãi thì bluezone có bắt buộc không")
    assert "3737/UBND-KGVX" in chat.text


# 2. The "another province" hand-over --------------------------------------------------------


async def test_another_province_is_not_promised_numbers_that_are_not_there(
    chat: Chat, content: Content
) -> None:
    await chat.tap("p:other")
    await chat.say("cho xin số hỗ trợ")
    hotline = content.topic("support.hotline")
    assert hotline is not None
    assert strip_markup(hotline.answer.get("vi")) not in chat.text
    assert "dưới đây" not in chat.text.split("\n")[0]
    assert [c.phone for c in chat.contacts] == [content.health_hotline.phone]
    assert "chưa có số hỗ trợ" in chat.text
    # The only number on screen says what it is for.
    assert "chỉ dành cho câu hỏi sức khỏe" in chat.text
    assert {link.url for r in chat.replies for link in r.links} >= {"https://bluezone.gov.vn"}


async def test_a_province_with_numbers_says_what_they_are_for(chat: Chat, content: Content) -> None:
    await chat.tap("p:soc-trang")
    await chat.say("cho xin số hỗ trợ")
    assert {c.phone for c in chat.contacts} == hotline_numbers(content, "soc-trang")
    province = content.province("soc-trang")
    assert province is not None and province.hotlines[0].purpose is not None
    [card] = chat.contacts
    assert province.hotlines[0].purpose.get("vi") in card.role and "(02/2021)" in card.role
    assert "có thể giúp bạn, hoặc chỉ cho bạn nơi hỏi đúng" in chat.text


# 3. Typed navigation -------------------------------------------------------------------------

CANT_HELP = "không giúp được"


async def test_back_and_stop_after_a_hand_over_are_understood(chat: Chat) -> None:
    await chat.tap("p:quang-ngai")
    await chat.say("cai bluezone")
    await chat.say("/hotline")
    await chat.say("quay lại")
    assert CANT_HELP not in chat.text and not chat.contacts
    assert "t:bluezone.install" in {b.action for b in chat.buttons}, "back to the app's menu"
    await chat.say("dừng")
    assert "Đã dừng" in chat.text and not chat.contacts
    assert "m:bluezone" in {b.action for b in chat.buttons}


async def test_zero_back_exit_and_start_over_work_anywhere(chat: Chat) -> None:
    await chat.tap("p:soc-trang")
    for typed in ("0", "trở về", "thoát", "menu", "back", "stop", "main menu"):
        await chat.say(typed)
        assert CANT_HELP not in chat.text and "can't help" not in chat.text, typed
        assert "m:bluezone" in {b.action for b in chat.buttons} or any(
            b.action.startswith("t:") for b in chat.buttons
        ), typed
    await chat.say("bat dau lai")
    assert "m:bluezone" in {b.action for b in chat.buttons}


async def test_stop_while_the_bot_asks_for_the_province(chat: Chat) -> None:
    await chat.say("/hotline")
    assert "p:soc-trang" in {b.action for b in chat.buttons}
    await chat.say("dừng")
    assert "Đã dừng" in chat.text
    await chat.say("soc trang")  # no longer awaited: read as a question, not a choice
    assert "Đã lưu" not in chat.text


async def test_still_not_working_climbs_the_ladder(chat: Chat, content: Content) -> None:
    await chat.tap("p:soc-trang")
    await chat.say("không nhận được mã otp bluezone")
    assert chat.topic == "bluezone.otp"
    await chat.say("vẫn không được")
    assert CANT_HELP not in chat.text
    assert not chat.contacts, "a tip or the guide comes before the hotline"
    assert "Bước 1/" in chat.text or "thử" in chat.text
    if "Bước 1/" in chat.text:
        await chat.say("dừng")
    await chat.say("vẫn không được")
    assert {c.phone for c in chat.contacts} == hotline_numbers(content, "soc-trang")


async def test_still_not_working_without_a_guide_gets_a_tip_then_a_person(
    chat: Chat, content: Content
) -> None:
    await chat.tap("p:quang-ngai")
    await chat.say("bluezone có tốn pin không")
    topic = content.topic(chat.topic or "")
    assert topic is not None and topic.guide is None
    await chat.say("still not working")
    assert not chat.contacts and chat.button("Talk to support").action == "h"
    await chat.say("still not working")
    assert {c.phone for c in chat.contacts} == hotline_numbers(content, "quang-ngai")


# 4. Language by text ------------------------------------------------------------------------


async def test_english_please_switches_the_language(chat: Chat) -> None:
    await chat.tap("p:soc-trang")
    await chat.say("english please")
    assert "English" in chat.text and not chat.contacts
    assert chat.button("Talk to support").action == "h"
    await chat.say("/menu")
    assert chat.button("Talk to support").action == "h", "kept for the next turns"
    await chat.say("tiếng Việt")
    assert chat.button("Gặp người hỗ trợ").action == "h"


async def test_asking_in_a_sentence_to_switch_to_english(chat: Chat) -> None:
    await chat.tap("p:soc-trang")
    await chat.say("tôi muốn đổi sang tiếng anh")
    assert chat.button("Talk to support").action == "h"


async def test_an_english_question_in_a_vietnamese_session_is_answered_in_english(
    chat: Chat, content: Content
) -> None:
    await chat.tap("p:quang-ngai")
    await chat.say("cai bluezone")
    await chat.say("how do I scan a QR code at a shop")
    assert chat.topic == "qr.scan"
    assert answer(content, "qr.scan", "quang-ngai", "en") in chat.text
    assert chat.button("Continue in English").action == "l:en"
    await chat.say("cài ncovi")
    assert answer(content, "ncovi.install", "quang-ngai", "vi") in chat.text, "still Vietnamese"


# 7. Coming back -----------------------------------------------------------------------------


async def test_coming_back_mid_guide_offers_to_continue_without_jumping_ahead(
    chat: Chat,
) -> None:
    await chat.tap("p:quang-ngai")
    await chat.tap("g:bluezone.install:android")
    await chat.say("xong")
    assert "Bước 2/" in chat.text
    await chat.tap("hello")
    assert chat.button("Làm tiếp").action == "r"
    await chat.say("xong")
    assert "Bước 3/" not in chat.text
    await chat.press("Làm tiếp")
    assert "Bước 2/" in chat.text


async def test_coming_back_after_an_answer_shows_it_again(chat: Chat, content: Content) -> None:
    await chat.tap("p:quang-ngai")
    await chat.say("không nhận được mã otp bluezone")
    await chat.tap("hello")
    assert answer(content, "bluezone.otp", "quang-ngai") in chat.text
    first = Chat(chat.engine, user="someone-new")
    await first.tap("hello")
    assert "p:quang-ngai" in {b.action for b in first.buttons}, "a new person is greeted"


# Keypad phones ------------------------------------------------------------------------------


async def test_a_keypad_phone_is_told_plainly_and_gets_no_store_steps(chat: Chat) -> None:
    await chat.tap("p:soc-trang")
    for typed, app in (
        ("máy cục gạch khai báo y tế sao", "NCOVI"),
        ("nokia 1280 cài bluezone", "Bluezone"),
        ("tôi dùng điện thoại cục gạch thì quét mã qr thế nào", "CCCD"),
    ):
        await chat.say(typed)
        assert app in chat.text, typed
        assert "CH Play" not in chat.text and "App Store" not in chat.text, typed
        assert not any(b.action.startswith("g:") for b in chat.buttons), typed
        assert "CCCD" in chat.text, typed


# 8. Feedback on every answer ----------------------------------------------------------------


async def test_thumbs_down_on_an_answer_offers_a_person_and_is_recorded(
    chat: Chat, content: Content
) -> None:
    await chat.tap("p:soc-trang")
    await chat.say("cài bluezone thế nào")
    assert chat.button("👍").action == "f:bluezone.install:up"
    await chat.press("👎")
    assert {c.phone for c in chat.contacts} == hotline_numbers(content, "soc-trang")
    await chat.say("cài ncovi")
    await chat.press("👍")
    assert not chat.contacts
    recorded = [(e.topic, e.detail) for e in await events(chat.engine, "feedback")]
    assert recorded == [("bluezone.install", "down"), ("ncovi.install", "up")]


# The campaign is over: said once where it matters, from content ----------------------------


async def test_an_archived_campaign_is_said_in_the_greeting_and_install_answers(
    chat: Chat, content: Content
) -> None:
    campaign = content.campaign
    assert campaign is not None and campaign.archived and campaign.note is not None
    note = campaign.note.get("vi")
    await chat.say("/start")
    assert note in chat.text
    await chat.tap("p:soc-trang")
    await chat.say("cài bluezone thế nào")
    assert chat.topic in campaign.topics and note in chat.text
    await chat.say("không nhận được mã otp bluezone")
    assert chat.topic not in campaign.topics and note not in chat.text
