"""The tickets pages of the admin console: an operator lists tickets, reads one, answers it
(relayed like an answer from the Telegram group) and closes it; CSRF and sign-in hold."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.engine import Engine
from bot.settings import Settings
from bot.storage.ticket_tables import TicketMessage
from bot.tickets.keys import SUPPORT_KEY
from bot.tickets.relay import Relay
from tests.admin_console import (
    MakeClient,
    add_account,
    cheap_hashes,  # noqa: F401 (a fixture)
    console_app,
    post_form,
    sign_in,
)
from tests.chat import Chat, fetch_all
from tests.ticket_fakes import (
    Clock,
    FakeCitizens,
    FakeDesk,
    attach_support,
    handed_over,
    signed,
)

pytestmark = pytest.mark.usefixtures("cheap_hashes")
ENGLISH = {"Accept-Language": "en"}


async def test_an_operator_answers_and_closes_a_ticket_from_the_console(
    aiohttp_client: MakeClient, engine: Engine, settings: Settings
) -> None:
    desk, citizens = FakeDesk(), FakeCitizens()
    support = attach_support(engine, Clock(), desk=desk, citizens=citizens)
    relay = Relay(support)
    chat = Chat(engine)
    await handed_over(chat)
    await chat.say("mã OTP không về máy")
    await relay.run_once()

    app = console_app(engine, settings)
    app[SUPPORT_KEY] = support
    client = await aiohttp_client(app, headers=ENGLISH)
    assert (await client.get("/admin/tickets", allow_redirects=False)).status == 303
    await add_account(engine, "lan", role="operator")
    assert (await sign_in(client, "lan")).status == 303

    listing = await (await client.get("/admin/tickets")).text()
    assert 'href="/admin/tickets/1"' in listing and "Soc Trang" in listing
    page = await (await client.get("/admin/tickets/1")).text()
    assert "mã OTP không về máy" in page

    refused = await client.post("/admin/tickets/1/reply", data={"text": "x", "csrf_token": "0"})
    assert refused.status == 403
    sent = await post_form(
        client, "/admin/tickets/1", "/admin/tickets/1/reply", {"text": "Bạn chờ 5 phút nhé"}
    )
    assert sent.status == 303 and sent.headers["Location"].endswith("done=replied")
    await relay.run_once()
    assert citizens.texts("person-1") == [signed(support, "lan", "Bạn chờ 5 phút nhé")]
    assert desk.of("message")[-1].text == "#1 lan (from the admin pages): Bạn chờ 5 phút nhé"
    page = await (await client.get("/admin/tickets/1")).text()
    assert "delivered" in page

    closed = await post_form(client, "/admin/tickets/1", "/admin/tickets/1/close", {})
    assert closed.headers["Location"].endswith("done=closed")
    await relay.run_once()
    assert [b.action for b in citizens.sent[-1][1].buttons] == ["sp:solved:1:yes", "sp:solved:1:no"]
    export = await (await client.get("/admin/tickets/export/tickets.csv?state=closed")).text()
    assert export.splitlines()[1].startswith("1,")
    answers = [
        m.text
        for m in await fetch_all(engine.database, select(TicketMessage))
        if m.direction == "operator"
    ]
    assert answers == ["Bạn chờ 5 phút nhé"], "the refused form stored nothing"
