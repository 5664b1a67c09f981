"""The first reply to a message that asks two things, names a province, reports symptoms
or is written in English: answered whole, for the right province, in the right language."""

from __future__ import annotations

from bot.content import Content
from tests.chat import Chat
from tests.chat import hotline_numbers as numbers


async def test_problem_and_which_number_get_both(chat: Chat, content: Content) -> None:
    await chat.tap("p:soc-trang")
    await chat.say("bluezone ko nhan dc ma otp, cho xin sdt ho tro voi")
    assert chat.topic == "bluezone.otp"
    otp = content.topic("bluezone.otp")
    assert otp is not None and otp.answer.get("vi").splitlines()[0] in chat.text
    assert {c.phone for c in chat.contacts} == numbers(content, "soc-trang")


async def test_a_province_named_in_the_message_wins_and_can_be_remembered(
    chat: Chat, content: Content
) -> None:
    await chat.tap("p:soc-trang")
    await chat.say("ở quảng ngãi thì gọi số nào để hỏi bluezone")
    assert {c.phone for c in chat.contacts} == numbers(content, "quang-ngai")
    await chat.tap(chat.button("Quảng Ngãi").action)
    await chat.say("/hotline")
    assert {c.phone for c in chat.contacts} == numbers(content, "quang-ngai")


async def test_a_province_without_numbers_gets_the_honest_answer(
    chat: Chat, content: Content
) -> None:
    await chat.say("ở Vĩnh Long thì hỏi ai")
    assert chat.topic == "support.hotline"
    assert "Vĩnh Long" in chat.text
    assert [c.phone for c in chat.contacts] == [content.health_hotline.phone]
    assert {link.url for r in chat.replies for link in r.links} >= {"https://bluezone.gov.vn"}
    assert not (
        set().union(*(numbers(content, p) for p in ("quang-ngai", "soc-trang")))
        & {c.phone for c in chat.contacts}
    )


async def test_symptoms_get_the_health_line_first(chat: Chat, content: Content) -> None:
    await chat.say("ho sốt mấy ngày nay")
    assert chat.topic == "health.symptoms"
    assert content.health_hotline.phone in {c.phone for c in chat.contacts}
    await chat.say("ba tôi sốt cao, khó thở lắm")
    assert chat.text.startswith("⚠")


async def test_symptoms_beside_an_app_question_still_get_the_health_line(
    chat: Chat, content: Content
) -> None:
    await chat.say("tôi đang bị sốt, cập nhật khai báo trên ncovi sao")
    assert chat.topic == "ncovi.update"
    assert content.health_hotline.phone in {c.phone for c in chat.contacts}


async def test_an_english_question_is_answered_in_english(chat: Chat, content: Content) -> None:
    await chat.say("how do I install bluezone on my iphone")
    topic = content.topic("bluezone.install_ios")
    assert topic is not None and chat.topic == topic.id
    assert topic.answer.get("en").splitlines()[0] in chat.text
    await chat.say("cài ncovi thế nào")  # and back in Vietnamese
    ncovi = content.topic("ncovi.install")
    assert ncovi is not None and ncovi.answer.get("vi").splitlines()[0] in chat.text


async def test_another_apps_question_is_refused_with_where_to_turn(chat: Chat) -> None:
    await chat.say("pc-covid không hiện thẻ xanh")
    assert chat.topic is None
    assert "PC-COVID" in chat.text


async def test_a_greeting_does_not_hide_the_question(chat: Chat) -> None:
    await chat.say("chào ad, cho mình hỏi cài bluezone trên máy samsung thế nào")
    assert chat.topic == "bluezone.install_android"
