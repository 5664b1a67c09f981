"""Scripted conversations through the whole core: dialogue, guides, escalation, language."""

from __future__ import annotations

from sqlalchemy import select

from bot.content import Content
from bot.engine import Engine
from bot.messages import Inbound
from bot.render import strip_markup
from bot.storage import Event, User
from tests.chat import Chat, events, fetch_all, hotline_numbers


async def test_full_conversation_to_escalation(chat: Chat, content: Content) -> None:
    """start -> province -> question -> guide with both branches -> failed twice -> hotline."""
    await chat.say("/start")
    greeting = content.topic("smalltalk.greeting")
    assert greeting is not None
    assert strip_markup(greeting.answer.get("vi")) in chat.text
    assert {b.action for b in chat.buttons} == {"p:quang-ngai", "p:soc-trang", "p:other"}

    await chat.press("Quảng Ngãi")
    assert "m:bluezone" in {b.action for b in chat.buttons}
    assert "h" in {b.action for b in chat.buttons}

    await chat.say("cai bluezone tren dt android")
    assert chat.topic == "bluezone.install_android"
    await chat.press("từng bước")
    assert "Bước 1/" in chat.text
    assert [b.action.rsplit(":", 1)[1] for b in chat.buttons] == ["ok", "fail", "back", "stop"]
    await chat.press("Xong")
    assert "Bước 2/" in chat.text

    # The other branch, by a follow-up that leans on context.
    await chat.say("còn iPhone thì sao?")
    guide = content.guide("bluezone.install")
    assert guide is not None
    ios = guide.branch("ios")
    assert ios is not None
    assert strip_markup(ios.steps[0].text.get("vi")) in chat.text
    assert chat.buttons[0].action == f"s:bluezone.install:ios:{ios.steps[0].id}:ok"

    await chat.press("Không được")
    assert strip_markup(ios.steps[0].help.get("vi")) in chat.text
    assert not chat.contacts
    await chat.press("Không được")
    assert {c.phone for c in chat.contacts} == hotline_numbers(content, "quang-ngai")
    assert "r" in {b.action for b in chat.buttons}, "the guide can be resumed after escalation"

    escalations = await events(chat.engine, "escalation")
    assert [e.detail for e in escalations] == ["guide_failed"]
    assert escalations[0].province == "quang-ngai"
    failed = await events(chat.engine, "step_failed")
    assert [(e.guide, e.step) for e in failed] == [("bluezone.install", ios.steps[0].id)] * 2


async def test_guide_to_completion_is_recorded(chat: Chat, content: Content) -> None:
    guide = content.guide("bluezone.install")
    assert guide is not None
    android = guide.branch("android")
    assert android is not None
    await chat.tap("p:soc-trang")
    await chat.tap("g:bluezone.install")
    assert {b.action for b in chat.buttons} >= {
        "g:bluezone.install:android",
        "g:bluezone.install:ios",
    }
    await chat.press("Android")
    for _ in android.steps:
        await chat.press("Xong")
    assert {b.action for b in chat.buttons} == {"w:bluezone.install:yes", "w:bluezone.install:no"}
    await chat.tap("w:bluezone.install:yes")
    assert guide.done is not None and strip_markup(guide.done.get("vi")) in chat.text
    completed = await events(chat.engine, "guide_completed")
    assert [(e.guide, e.detail) for e in completed] == [("bluezone.install", "android")]


async def test_guide_that_did_not_work_escalates(chat: Chat, content: Content) -> None:
    await chat.tap("p:soc-trang")
    await chat.tap("g:qr.register_place")
    guide = content.guide("qr.register_place")
    assert guide is not None
    for _ in guide.branches[0].steps:
        await chat.press("Xong")
    await chat.tap("w:qr.register_place:no")
    assert {c.phone for c in chat.contacts} == hotline_numbers(content, "soc-trang")
    assert [e.detail for e in await events(chat.engine, "escalation")] == ["guide_failed"]


async def test_typed_replies_drive_a_guide(chat: Chat) -> None:
    await chat.tap("g:bluezone.install:ios")
    assert "Bước 1/" in chat.text
    await chat.say("xong")
    assert "Bước 2/" in chat.text
    await chat.say("quay lai")
    assert "Bước 1/" in chat.text
    await chat.say("ko dc")
    assert "Bước 1/" not in chat.text and chat.buttons[0].action.endswith(":ok")
    await chat.say("dừng")
    assert chat.buttons[0].action == "r", "a paused guide is offered first in the menu"


async def test_back_from_first_step_asks_the_branch_again(chat: Chat) -> None:
    await chat.tap("g:bluezone.install:android")
    await chat.press("Quay lại")
    assert {b.action for b in chat.buttons} >= {
        "g:bluezone.install:android",
        "g:bluezone.install:ios",
    }


async def test_leaving_a_guide_and_resuming_it(chat: Chat) -> None:
    await chat.tap("g:bluezone.install:android")
    await chat.press("Xong")
    step_two = chat.buttons[0].action
    await chat.say("bluezone co ton pin khong")
    assert chat.topic == "bluezone.bluetooth"
    assert "r" in {b.action for b in chat.buttons}
    await chat.tap("r")
    assert chat.buttons[0].action == step_two


async def test_old_step_button_is_out_of_date(chat: Chat) -> None:
    await chat.tap("g:bluezone.install:android")
    first = chat.buttons[0].action
    await chat.tap(first)
    second = chat.buttons[0].action
    await chat.tap(first)  # pressed again, from the old message
    assert chat.buttons[0].action == second, "the person is shown where they really are"


async def test_buttons_for_removed_content_are_out_of_date(chat: Chat) -> None:
    for action in (
        "t:bluezone.gone",
        "g:nope",
        "s:nope:a:b:ok",
        "w:nope:yes",
        "m:gone",
        "zz",
        "x" * 300,
    ):
        await chat.tap(action)
        assert chat.replies, action
        assert "m:bluezone" in {b.action for b in chat.buttons}, action
    assert len(await events(chat.engine, "stale_button")) >= 4


async def test_ambiguous_question_gets_a_clarifying_question(chat: Chat) -> None:
    await chat.say("cài đặt thế nào?")
    options = {b.action for b in chat.buttons}
    assert {"t:bluezone.install", "t:ncovi.install"} <= options
    await chat.tap("t:ncovi.install")
    assert "g:ncovi.declare:app" in {b.action for b in chat.buttons}


async def test_context_resolves_a_question_that_names_no_app(chat: Chat) -> None:
    await chat.say("khai báo y tế là gì")
    assert chat.topic == "ncovi.about"
    await chat.say("cài đặt thế nào?")
    assert chat.topic == "ncovi.install"


async def test_two_misunderstood_messages_escalate(chat: Chat, content: Content) -> None:
    await chat.tap("p:soc-trang")
    await chat.say("xzqv wplk")
    assert chat.topic is None and not chat.contacts
    await chat.say("thoi tiet ngay mai the nao")
    assert {c.phone for c in chat.contacts} == hotline_numbers(content, "soc-trang")
    assert [e.detail for e in await events(chat.engine, "escalation")] == ["not_understood"]


async def test_hotline_asks_the_province_first_when_unknown(chat: Chat, content: Content) -> None:
    await chat.say("cho toi xin so dien thoai ho tro")
    assert chat.topic == "support.hotline"
    assert not chat.contacts
    await chat.tap("p:quang-ngai")
    assert {c.phone for c in chat.contacts} == hotline_numbers(content, "quang-ngai")


async def test_another_province_gets_sites_and_the_health_line(
    chat: Chat, content: Content
) -> None:
    await chat.tap("p:other")
    await chat.say("/hotline")
    assert [c.phone for c in chat.contacts] == [content.health_hotline.phone]
    urls = {link.url for reply in chat.replies for link in reply.links}
    assert "https://bluezone.gov.vn" in urls


async def test_health_question_gives_the_ministry_line(chat: Chat, content: Content) -> None:
    await chat.tap("p:soc-trang")
    await chat.say("bluezone bao toi tiep xuc gan nguoi nhiem thi lam sao")
    assert chat.topic == "bluezone.exposure_alert"
    assert content.health_hotline.phone in {c.phone for c in chat.contacts}
    await chat.tap("h")
    phones = {c.phone for c in chat.contacts}
    assert phones == hotline_numbers(content, "soc-trang") | {content.health_hotline.phone}


async def test_province_can_be_changed_by_typing(chat: Chat, content: Content) -> None:
    await chat.tap("p:quang-ngai")
    await chat.say("đổi tỉnh")
    await chat.say("soc trang")
    await chat.say("/hotline")
    assert {c.phone for c in chat.contacts} == hotline_numbers(content, "soc-trang")


async def test_switching_language(chat: Chat, content: Content) -> None:
    await chat.say("/lang")
    await chat.press("English")
    assert chat.button("Talk to support").action == "h"
    assert "Gặp người hỗ trợ" not in {b.label for b in chat.buttons}
    await chat.say("how do I install bluezone")
    topic = content.topic("bluezone.install")
    assert topic is not None
    assert strip_markup(topic.answer.get("en")) in chat.text
    assert chat.button("Step-by-step").action == "g:bluezone.install"
    await chat.tap("l:vi")
    assert chat.button("Gặp người hỗ trợ").action == "h"
    await chat.say("cai bluezone")
    assert strip_markup(topic.answer.get("vi")) in chat.text


async def test_deep_links(chat: Chat, content: Content) -> None:
    await chat.say("/start guide_qr-register_place")
    assert "Bước 1/" in chat.text
    other = Chat(chat.engine, user="person-2")
    await other.say("/start topic_bluezone-otp")
    otp = content.topic("bluezone.otp")
    assert otp is not None and strip_markup(otp.answer.get("vi")) in other.text
    third = Chat(chat.engine, user="person-3")
    await third.say("/start ref_youth-union-7")
    assert [e.detail for e in await events(chat.engine, "referred")] == ["youth-union-7"]
    fourth = Chat(chat.engine, user="person-4")
    await fourth.say("/start guide_does-not-exist")
    assert {b.action for b in fourth.buttons} == {"p:quang-ngai", "p:soc-trang", "p:other"}


async def test_greeting_after_setup_shows_the_menu(chat: Chat) -> None:
    await chat.tap("p:soc-trang")
    await chat.say("chao ban")
    assert chat.topic == "smalltalk.greeting"
    assert "m:bluezone" in {b.action for b in chat.buttons}


async def test_bad_input_gets_a_polite_reply(chat: Chat) -> None:
    for text in ["", "   \n\t ", "😀😀😀", "???!!!", None, "\x00\x07\x1b", "\u200b\u200b"]:
        replies = await chat.say(text)
        assert len(replies) == 1 and replies[0].text, repr(text)
        assert "m:bluezone" in {b.action for b in chat.buttons}, repr(text)
    assert len(await events(chat.engine, "bad_input")) == 7


async def test_hostile_and_huge_messages(chat: Chat) -> None:
    await chat.say("<script>alert('x')</script>")
    assert chat.replies and "<script>" not in chat.text
    await chat.say("cài bluezone " * 1000)
    assert chat.topic == "bluezone.install"
    assert len(chat.replies) == 2, "a note that only the beginning was read, then the answer"
    await chat.say("a\x00b\x07c cai\u202ebluezone")
    assert chat.replies
    await chat.say("/doesnotexist")
    assert "m:bluezone" in {b.action for b in chat.buttons}


async def test_deleting_my_data(chat: Chat, engine: Engine) -> None:
    await chat.tap("p:quang-ngai")
    await chat.say("cai bluezone")
    await chat.say("/xoadulieu")
    await chat.press("Xóa")
    assert await fetch_all(engine.database, select(User)) == []
    assert all(e.user_id is None for e in await fetch_all(engine.database, select(Event)))
    await chat.say("/start")
    assert {b.action for b in chat.buttons} == {"p:quang-ngai", "p:soc-trang", "p:other"}


async def test_stop_and_start_again(chat: Chat, engine: Engine) -> None:
    await chat.say("/stop")
    assert [e.kind for e in await events(engine, "unsubscribed")] == ["unsubscribed"]
    people = await fetch_all(engine.database, select(User))
    assert people[0].subscribed is False
    await chat.say("/start")
    assert (await fetch_all(engine.database, select(User)))[0].subscribed is True
    await chat.say("huy dang ky")
    assert (await fetch_all(engine.database, select(User)))[0].subscribed is False


async def test_a_photo_gets_a_polite_text_only_reply(engine: Engine) -> None:
    turn = await engine.handle_turn(Inbound(channel="telegram", user_id="9", attachment="photo"))
    assert len(turn.replies) == 1 and turn.replies[0].buttons
    assert [e.detail for e in await events(engine, "bad_input")] == ["attachment"]


async def test_unreachable_until_the_person_writes_again(engine: Engine) -> None:
    await engine.handle(Inbound(channel="telegram", user_id="42", text="chao"))
    await engine.mark_unreachable("telegram", "42")
    (person,) = await fetch_all(engine.database, select(User))
    assert person.unreachable_since is not None
    await engine.handle(Inbound(channel="telegram", user_id="42", text="cai bluezone"))
    (person,) = await fetch_all(engine.database, select(User))
    assert person.unreachable_since is None
