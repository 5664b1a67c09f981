"""Live support in the conversation core: a citizen handed over to staff, on SQLite and
PostgreSQL, with a recording desk and channel (tests/ticket_fakes.py) and a clock the test
moves. The channels' own parts are in test_tickets_channels.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from bot.content import Content
from bot.delivery import Outcome
from bot.engine import Engine
from bot.storage.ticket_tables import Ticket, TicketMessage
from bot.tickets.relay import Relay
from bot.tickets.scrub import MASK
from tests.chat import Chat, events, fetch_all, hotline_numbers
from tests.ticket_fakes import (
    SATURDAY_MORNING,
    Clock,
    FakeCitizens,
    FakeDesk,
    attach_support,
    handed_over,
    signed,
)

CHAT_BUTTON = "💬"


async def tickets(engine: Engine) -> list[Ticket]:
    """Every ticket, oldest first."""
    return await fetch_all(engine.database, select(Ticket).order_by(Ticket.id))


async def ticket_messages(engine: Engine) -> list[TicketMessage]:
    """Every ticket message, oldest first."""
    return await fetch_all(engine.database, select(TicketMessage).order_by(TicketMessage.id))


async def ask_for_a_person(chat: Chat) -> None:
    await chat.say("cho tôi số hỗ trợ")


async def not_understood_twice(chat: Chat) -> None:
    await chat.say("xzqv wplk")
    await chat.say("thoi tiet ngay mai the nao")


async def a_step_fails_twice(chat: Chat) -> None:
    await chat.tap("g:bluezone.install:android")
    await chat.press("Không được")
    await chat.press("Không được")


async def thumbs_down(chat: Chat) -> None:
    await chat.say("không nhận được mã otp bluezone")
    await chat.tap("f:bluezone.otp:down")


async def still_failing(chat: Chat) -> None:
    await chat.say("bluezone có tốn pin không")
    await chat.say("vẫn không được")
    await chat.say("vẫn không được")


ESCALATIONS: list[tuple[str, Callable[[Chat], Awaitable[None]]]] = [
    ("asked", ask_for_a_person),
    ("not_understood", not_understood_twice),
    ("guide_failed", a_step_fails_twice),
    ("feedback", thumbs_down),
    ("still_failing", still_failing),
]


@pytest.mark.parametrize(("reason", "escalate"), ESCALATIONS, ids=[r for r, _ in ESCALATIONS])
async def test_each_escalation_offers_a_person_and_opens_a_ticket(
    any_engine: Engine,
    content: Content,
    reason: str,
    escalate: Callable[[Chat], Awaitable[None]],
) -> None:
    desk = FakeDesk()
    support = attach_support(any_engine, Clock(), desk=desk)
    chat = Chat(any_engine)
    await chat.tap("p:soc-trang")
    await escalate(chat)
    assert {c.phone for c in chat.contacts} == hotline_numbers(content, "soc-trang")
    await chat.tap(chat.button(CHAT_BUTTON).action)
    assert "sp:end" in {b.action for b in chat.buttons}

    [ticket] = await tickets(any_engine)
    assert (ticket.reason, ticket.state, ticket.province, ticket.channel) == (
        reason,
        "waiting",
        "soc-trang",
        "test",
    )
    if reason == "guide_failed":
        guide = content.guide("bluezone.install")
        assert guide is not None
        android = guide.branch("android")
        assert android is not None
        assert (ticket.guide, ticket.branch, ticket.step) == (
            "bluezone.install",
            "android",
            android.steps[0].id,
        )
    assert [e.detail for e in await events(any_engine, "ticket_opened")] == [reason]

    await Relay(support).run_once()
    [card] = desk.of("ticket")
    assert card.text.startswith(f"🆘 Ticket #{ticket.id}")
    assert card.buttons == [f"op:take:{ticket.id}", f"op:close:{ticket.id}"]
    assert "Province: Soc Trang" in card.text


async def test_no_offer_without_a_desk_unless_switched_on(engine: Engine) -> None:
    support = attach_support(engine, Clock())  # no desk: LIVE_SUPPORT auto offers nothing
    chat = Chat(engine)
    await chat.tap("p:soc-trang")
    await ask_for_a_person(chat)
    assert not [b for b in chat.buttons if CHAT_BUTTON in b.label]
    support.settings = type(support.settings)(mode="on")  # operators answer from the admin pages
    await ask_for_a_person(chat)
    assert chat.button(CHAT_BUTTON).action == "sp:open:asked"


async def test_while_open_text_goes_to_staff_not_to_the_faq(any_engine: Engine) -> None:
    desk = FakeDesk()
    support = attach_support(any_engine, Clock(), desk=desk)
    chat = Chat(any_engine)
    await handed_over(chat)
    await chat.say("cài bluezone trên android thế nào")
    assert chat.topic is None, "the bot did not answer in the staff's place"
    assert "📨" in chat.text
    await chat.say("điện thoại của tôi là Samsung")
    assert chat.replies == [], "acknowledged once only"
    await Relay(support).run_once()
    relayed = [post.text for post in desk.of("message")]
    assert relayed == [
        "#1 citizen: cài bluezone trên android thế nào",
        "#1 citizen: điện thoại của tôi là Samsung",
    ]
    assert all(post.reply_to == desk.of("ticket")[0].ref for post in desk.of("message"))
    understood = [e.topic for e in await events(any_engine, "understood")]
    assert understood == ["support.hotline"], "only the question before the hand-over"


async def test_menu_stop_and_leaving_still_work(engine: Engine) -> None:
    desk = FakeDesk()
    support = attach_support(engine, Clock(), desk=desk)
    chat = Chat(engine)
    await handed_over(chat)
    await chat.say("/menu")
    assert "m:bluezone" in {b.action for b in chat.buttons}
    assert "sp:end" in {b.action for b in chat.buttons}, "the chat is still open"
    await chat.say("/stop")
    assert "sub:on" in {b.action for b in chat.buttons}
    await chat.say("kết thúc")
    assert {b.action for b in chat.buttons} == {"sp:solved:1:yes", "sp:solved:1:no"}
    [ticket] = await tickets(engine)
    assert ticket.state == "closed"
    assert [m.kind for m in await ticket_messages(engine)] == ["context", "opened", "ended"]
    await Relay(support).run_once()
    assert desk.of("update")[-1].buttons == [], "the desk's card lost its buttons"
    assert "ended the chat" in desk.of("message")[-1].text
    await chat.say("cài bluezone trên android thế nào")
    assert chat.topic is not None, "after the chat the bot answers again"


async def test_operator_reply_reaches_the_citizen_and_close_asks_if_solved(
    any_engine: Engine,
) -> None:
    desk, citizens = FakeDesk(), FakeCitizens()
    support = attach_support(any_engine, Clock(), desk=desk, citizens=citizens)
    relay = Relay(support)
    chat = Chat(any_engine)
    await handed_over(chat)
    await relay.run_once()
    assert await support.take(1, "Lan") == "done"
    assert await support.take(1, "Minh") == "already"
    assert await support.reply(1, "Lan", "Bạn dùng Android hay iPhone?") == "done"
    await relay.run_once()
    assert citizens.texts("person-1") == [signed(support, "Lan", "Bạn dùng Android hay iPhone?")]
    assert desk.of("update")[-1].text.startswith("✋ Ticket #1 · taken by Lan")

    assert await support.close(1, "Lan") == "done"
    await relay.run_once()
    question = citizens.sent[-1][1]
    assert [b.action for b in question.buttons] == ["sp:solved:1:yes", "sp:solved:1:no"]
    await chat.tap("sp:solved:1:no")
    assert {c.phone for c in chat.contacts} >= {"0299.3626800"}, "👎 gets the hotline"
    [ticket] = await tickets(any_engine)
    assert (ticket.state, ticket.solved, ticket.operator) == ("closed", False, "Lan")
    assert ticket.answered_at is not None
    assert [e.detail for e in await events(any_engine, "ticket_solved")] == ["no"]
    await chat.tap("sp:solved:1:yes")
    assert [e.detail for e in await events(any_engine, "ticket_solved")] == ["no"], "once"
    assert await support.reply(1, "Lan", "còn đó không?") == "closed"


async def test_outside_office_hours_the_ticket_waits_with_the_own_province_hotline(
    engine: Engine, content: Content
) -> None:
    clock, desk = Clock(SATURDAY_MORNING), FakeDesk()
    support = attach_support(engine, clock, desk=desk, remind_minutes=15)
    chat = Chat(engine)
    await chat.tap("p:quang-ngai")
    await ask_for_a_person(chat)
    await chat.press(CHAT_BUTTON)
    assert "Thứ Hai 07:30" in chat.text, chat.text
    assert {c.phone for c in chat.contacts} == hotline_numbers(content, "quang-ngai")
    assert not {c.phone for c in chat.contacts} & hotline_numbers(content, "soc-trang")
    await chat.say("app không chạy")
    assert "Thứ Hai 07:30" in chat.text
    relay = Relay(support)
    await relay.run_once()
    assert "outside office hours" in desk.of("ticket")[0].text
    clock.advance(hours=2)  # still Saturday: nobody to remind
    await relay.run_once()
    assert not [p for p in desk.of("message") if p.text.startswith("⏰")]
    clock.now = clock.now.replace(day=30, hour=0, minute=31)  # Monday 07:31 in Vietnam
    await relay.run_once()
    await relay.run_once()
    [reminder] = [p for p in desk.of("message") if p.text.startswith("⏰")]
    assert reminder.reply_to == desk.of("ticket")[0].ref
    [ticket] = await tickets(engine)
    assert ticket.state == "waiting"


async def test_unanswered_tickets_are_announced_again_every_n_minutes(
    any_engine: Engine,
) -> None:
    clock, desk = Clock(), FakeDesk()
    support = attach_support(any_engine, clock, desk=desk, remind_minutes=10)
    relay = Relay(support)
    chat = Chat(any_engine)
    await handed_over(chat)
    await relay.run_once()

    def reminders() -> list[str]:
        return [p.text for p in desk.of("message") if p.text.startswith("⏰")]

    clock.advance(minutes=9)
    await relay.run_once()
    assert reminders() == []
    clock.advance(minutes=2)
    await relay.run_once()
    await relay.run_once()
    assert reminders() == ["⏰ #1 has waited 11 min without an answer."]
    clock.advance(minutes=10)
    await relay.run_once()
    await relay.run_once()
    assert len(reminders()) == 2
    await support.reply(1, "Lan", "Chào bạn")
    clock.advance(minutes=30)
    await relay.run_once()
    await relay.run_once()
    assert len(reminders()) == 2, "an answered ticket is not announced again"


async def test_a_desk_that_is_down_loses_nothing(engine: Engine) -> None:
    clock, desk = Clock(), FakeDesk(down=True)
    support = attach_support(engine, clock, desk=desk)
    relay = Relay(support)
    chat = Chat(engine)
    await handed_over(chat)
    await chat.say("xin chào")
    await relay.run_once()
    assert desk.posts == []
    [opened] = [m for m in await ticket_messages(engine) if m.kind == "opened"]
    assert (opened.to_desk, opened.attempts) == ("pending", 0), "away is not a failure"
    assert opened.due_at is not None
    assert opened.due_at.replace(tzinfo=dt.UTC) > clock.now, "tried again a little later"
    desk.down = False
    await relay.run_once()
    assert desk.posts == [], "not before the back-off is over"
    clock.advance(seconds=5)
    await relay.run_once()
    await relay.run_once()
    assert [p.kind for p in desk.posts] == ["ticket", "message"]


async def test_an_answer_the_channel_refuses_is_reported_to_the_operators(engine: Engine) -> None:
    desk = FakeDesk()
    citizens = FakeCitizens(outcome=Outcome("skipped", "outside_zalo_window"))
    support = attach_support(engine, Clock(), desk=desk, citizens=citizens)
    relay = Relay(support)
    chat = Chat(engine)
    await handed_over(chat)
    await relay.run_once()
    await support.reply(1, "Lan", "Bạn thử cài lại nhé")
    await relay.run_once()
    await relay.run_once()
    notice = desk.of("message")[-1].text
    assert notice.startswith("⚠ #1: Lan's reply") and "outside_zalo_window" in notice
    answer = next(m for m in await ticket_messages(engine) if m.direction == "operator")
    assert (answer.to_citizen, answer.reason) == ("skipped", "outside_zalo_window")


async def test_phone_numbers_are_masked_but_hotlines_kept(engine: Engine) -> None:
    desk = FakeDesk()
    support = attach_support(engine, Clock(), desk=desk)
    chat = Chat(engine)
    await chat.tap("p:soc-trang")
    await chat.say("số của tôi là 0912 345 678")
    await ask_for_a_person(chat)
    await chat.press(CHAT_BUTTON)
    await chat.say("tôi đã gọi 0299.3626800, CCCD 079123456789")
    await Relay(support).run_once()
    stored = " ".join(m.text for m in await ticket_messages(engine))
    assert "0912" not in stored and "079123456789" not in stored
    assert MASK in stored and "0299.3626800" in stored
    assert "0912" not in desk.of("ticket")[0].text


async def test_a_health_worry_also_gets_the_health_line(engine: Engine, content: Content) -> None:
    attach_support(engine, Clock(), desk=FakeDesk())
    chat = Chat(engine)
    await chat.tap("p:soc-trang")
    await chat.tap("t:bluezone.exposure_alert")
    await chat.tap("f:bluezone.exposure_alert:down")
    assert content.health_hotline.phone in {c.phone for c in chat.contacts}
    await chat.press(CHAT_BUTTON)
    assert content.health_hotline.phone in {c.phone for c in chat.contacts}
    await chat.tap("t:bluezone.install")
    await chat.tap("f:bluezone.install:down")
    assert content.health_hotline.phone not in {c.phone for c in chat.contacts}


async def test_a_restart_loses_nothing(
    any_engine: Engine, content: Content, settings: object
) -> None:
    """Opened and written while nothing relays (the process stops): a new service on the
    same database relays it all."""
    citizens = FakeCitizens()
    first = attach_support(any_engine, Clock(), desk=FakeDesk(), citizens=citizens)
    chat = Chat(any_engine)
    await handed_over(chat)
    await chat.say("vẫn chưa được")
    await first.reply(1, "Lan", "Bạn chờ chút nhé")  # written, never relayed

    desk = FakeDesk()
    second = attach_support(any_engine, Clock(), desk=desk, citizens=citizens)
    await Relay(second).run_once()
    assert [p.kind for p in desk.posts] == ["ticket", "message", "update", "message"]
    assert citizens.texts() == [signed(second, "Lan", "Bạn chờ chút nhé")]
    assert all(m.due_at is None for m in await ticket_messages(any_engine))


async def test_deleting_ones_data_deletes_the_tickets(engine: Engine) -> None:
    attach_support(engine, Clock(), desk=FakeDesk())
    chat = Chat(engine)
    await handed_over(chat)
    await chat.say("/menu")
    await chat.tap("del:yes")
    assert await tickets(engine) == [] and await ticket_messages(engine) == []


async def test_ticket_messages_follow_the_message_retention(engine: Engine) -> None:
    from bot.storage.retention import purge_messages

    clock = Clock()
    support = attach_support(engine, clock, desk=FakeDesk())
    chat = Chat(engine)
    await handed_over(chat)
    await chat.say("xin chào")
    await Relay(support).run_once()
    assert await ticket_messages(engine)
    await purge_messages(engine.database, 30, clock.now.replace(year=2027))
    assert await ticket_messages(engine) == []
    assert len(await tickets(engine)) == 1, "the ticket itself (no text) stays for the figures"
