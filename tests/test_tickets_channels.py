"""Live support end to end: operators in a Telegram group (the fake Bot API) answer citizens
on Telegram, on Zalo (the fake Zalo) and on the web chat (server-sent events and polling),
through our real server; and a restart loses nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from bot.content import Content
from bot.matcher import Understander
from bot.storage import User
from bot.storage.ticket_tables import Ticket
from tests.chat import fetch_all
from tests.ticket_servers import (
    GROUP,
    OPERATOR,
    STRANGER,
    Live,
    TgCheck,
    buttons,
    live_server,
    read_events,
)

CITIZEN = 1001


def has_button(prefix: str) -> TgCheck:
    """Some message of `calls` has a button whose callback data starts with `prefix`."""
    return lambda calls: any(b.startswith(prefix) for c in calls for b in buttons(c))


async def telegram_citizen_hands_over(live: Live) -> None:
    fake = live.telegram
    await live.tg(fake.text_update("/start", CITIZEN), CITIZEN, has_button("p:soc-trang"))
    await live.tg(fake.callback_update("p:soc-trang", CITIZEN), CITIZEN, has_button("m:"))
    await live.tg(fake.text_update("cho tôi số hỗ trợ", CITIZEN), CITIZEN, has_button("sp:open"))
    await live.tg(fake.callback_update("sp:open:asked", CITIZEN), CITIZEN, has_button("sp:end"))


async def test_an_operator_in_the_group_answers_a_telegram_citizen(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with live_server(tmp_path, content, understander) as live:
        fake = live.telegram
        await telegram_citizen_hands_over(live)
        post = await live.ticket_post()
        ticket_message = post.result["message_id"]
        assert buttons(post) == ["op:take:1", "op:close:1"]
        assert "Telegram" in post.params["text"] and "Sóc Trăng" in post.params["text"]

        await live.tg(fake.text_update("app báo lỗi OTP", CITIZEN), CITIZEN, lambda c: bool(c))
        await live.wait_group(
            lambda posts: any("app báo lỗi OTP" in p.params["text"] for p in posts)
        )
        relayed = live.group_posts()[-1]
        assert relayed.params["reply_parameters"]["message_id"] == ticket_message

        # Someone who is not a member of the group replies first: nothing reaches the citizen.
        live.operator_says("tôi là người lạ", ticket_message, user=STRANGER)
        live.operator_presses("op:take:1", ticket_message, user=STRANGER)
        live.operator_says("Bạn dùng Android hay iPhone?", ticket_message)
        await fake.wait_for(lambda _: any("Android hay iPhone" in t for t in fake.texts(CITIZEN)))
        said = [t for t in fake.texts(CITIZEN) if "Android hay iPhone" in t]
        signed = live.support.gettext("vi")("👤 {name} (support staff):").format(name="User 5001")
        assert said == [f"{signed}\nBạn dùng Android hay iPhone?"]
        assert not any("người lạ" in t for t in fake.texts(CITIZEN))
        answered = [c for c in fake.calls if c.method == "answerCallbackQuery"]
        refused = next(c for c in answered if c.params.get("text"))
        only_members = "Only members of the operators' group can do that."
        assert refused.params["text"] == live.support.gettext("vi")(only_members)
        [ticket] = await fetch_all(live.engine.database, select(Ticket))
        assert (ticket.state, ticket.operator) == ("taken", "User 5001"), "not the stranger"

        # An answer to the relayed citizen message (not the ticket's) is relayed too.
        live.operator_says("Bạn thử gửi lại mã nhé", relayed.result["message_id"])
        await fake.wait_for(lambda _: any("gửi lại mã" in t for t in fake.texts(CITIZEN)))

        # A command in the group never reaches the citizens' flows.
        fake.push_update(
            fake.text_update("/start", GROUP, user_id=OPERATOR, chat_type="supergroup")
        )
        live.operator_presses("op:close:1", ticket_message)
        await fake.wait_for(lambda _: has_button("sp:solved")(fake.sent(CITIZEN)))
        people = {u.external_id for u in await fetch_all(live.engine.database, select(User))}
        assert people == {str(CITIZEN)}
        edited = [c for c in fake.sent(GROUP) if c.method == "editMessageText"]
        assert len(edited) == 2, "the card was edited when answered (taken) and closed"
        assert buttons(edited[0]) == ["op:close:1"] and buttons(edited[1]) == []
        assert fake.unanswered_callbacks() == []

        await live.tg(fake.callback_update("sp:solved:1:yes", CITIZEN), CITIZEN, has_button("m:"))
        [ticket] = await fetch_all(live.engine.database, select(Ticket))
        assert (ticket.state, ticket.solved) == ("closed", True)


async def test_a_zalo_citizen_gets_answers_inside_the_window_and_the_operator_hears_otherwise(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with live_server(tmp_path, content, understander) as live:
        user = "7001"
        answer = await live.zalo_says(user, "cho tôi số hỗ trợ")
        answer = await live.zalo_chooses(user, answer, "Sóc Trăng")
        answer = await live.zalo_chooses(user, answer, "💬")
        post = await live.ticket_post()
        assert "Zalo" in post.params["text"]
        ticket_message = post.result["message_id"]

        live.operator_says("Chào bạn, mình giúp nhé", ticket_message)
        await live.zalo.wait_for(lambda _: any("mình giúp nhé" in t for t in live.zalo.texts(user)))
        assert any(t.startswith("👤 User 5001") for t in live.zalo.texts(user))

        live.zalo.advance(hours=49)  # two days later the OA may no longer write to them
        sends = len([c for c in live.zalo.calls if c.user_id == user])
        live.operator_says("Bạn còn cần giúp không?", ticket_message)
        await live.wait_group(lambda posts: any(p.params["text"].startswith("⚠") for p in posts))
        notice = [p for p in live.group_posts() if p.params["text"].startswith("⚠")][-1]
        assert "Bạn còn cần giúp không?" in notice.params["text"]
        assert "Zalo" in notice.params["text"]
        assert len([c for c in live.zalo.calls if c.user_id == user]) == sends, "not tried"


async def test_a_web_citizen_sees_the_answer_as_it_comes_and_by_polling(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    async with live_server(tmp_path, content, understander) as live:
        me = "web-citizen-0001"
        await live.web(me, action="p:soc-trang")
        replies = await live.web(me, text="cho tôi số hỗ trợ")
        [chat] = [b for r in replies for b in r["buttons"] if b["action"].startswith("sp:open")]
        replies = await live.web(me, action=chat["action"])
        assert any(b["action"] == "sp:end" for r in replies for b in r["buttons"])
        await live.web(me, text="mã OTP không về")
        post = await live.ticket_post()
        assert (await live.poll(me))["live"] is True

        address = f"{live.url}/api/events?session={me}"
        headers = {"Accept": "text/event-stream"}
        async with live.session.get(address, headers=headers) as stream:
            assert stream.status == 200
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            live.operator_says("Bạn thử khởi động lại máy nhé", post.result["message_id"])
            async with asyncio.timeout(10):
                [event] = await read_events(stream, 1)
        assert event["event"] == "reply"
        data = event["data"]
        assert (data["from"], data["name"]) == ("operator", "User 5001")
        assert data["reply"]["text"] == "Bạn thử khởi động lại máy nhé"
        first = int(event["id"])

        # The polling fallback: from the start it shows the open chat's answers...
        polled = await live.poll(me)
        assert [e["reply"]["text"] for e in polled["events"]] == ["Bạn thử khởi động lại máy nhé"]
        assert polled["after"] == first
        # ...and after the last one seen, what came since: the end, and "was it solved?".
        live.operator_presses("op:close:1", post.result["message_id"])
        async with live.session.get(
            address, headers={**headers, "Last-Event-ID": str(first)}
        ) as again:
            async with asyncio.timeout(10):
                closing = await read_events(again, 2)
        assert [e["event"] for e in closing] == ["reply", "end"]
        actions = [b["action"] for b in closing[0]["data"]["reply"]["buttons"]]
        assert actions == ["sp:solved:1:yes", "sp:solved:1:no"]
        later = await live.poll(me, after=first)
        assert later["live"] is False and [e["from"] for e in later["events"]] == ["system"]
        async with live.session.get(
            address, headers={**headers, "Last-Event-ID": str(later["after"])}
        ) as done:
            assert done.status == 204, "nothing to wait for: the browser stops asking"


async def test_a_restart_with_an_open_ticket_loses_nothing(
    tmp_path: Path, content: Content, understander: Understander
) -> None:
    me = "web-citizen-0002"
    async with live_server(tmp_path, content, understander, telegram_up=False) as first:
        await first.web(me, action="p:soc-trang")
        await first.web(me, text="cho tôi số hỗ trợ")
        await first.web(me, action="sp:open:asked")
        await first.web(me, text="máy tôi là iPhone 6")
        assert first.telegram.sent(GROUP) == [], "Telegram is away: nothing was posted"
    async with live_server(tmp_path, content, understander) as second:
        post = await second.ticket_post()
        assert post.params["text"].startswith("🆘") and "#1" in post.params["text"]
        await second.wait_group(lambda posts: any("iPhone 6" in p.params["text"] for p in posts))
        address = f"{second.url}/api/events?session={me}"
        async with second.session.get(address, headers={"Accept": "text/event-stream"}) as stream:
            second.operator_says("iPhone 6 cài được, bạn thử nhé", post.result["message_id"])
            async with asyncio.timeout(10):
                [event] = await read_events(stream, 1)
        assert event["data"]["reply"]["text"] == "iPhone 6 cài được, bạn thử nhé"
