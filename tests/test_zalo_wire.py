"""Zalo's wire format: signatures, events, and replies cut to Zalo's limits."""

from __future__ import annotations

import hashlib

from bot.messages import Button, Contact, Link, Outbound
from channels.zalo import wire
from channels.zalo.render import MORE, render

APP, SECRET = "1234567890123456789", "oa-secret-key-ABCDEFGHIJ"


def test_signature_is_plain_sha256_of_app_body_timestamp_secret() -> None:
    body, timestamp = b'{"event_name":"user_send_text"}', "1700000000000"
    expected = hashlib.sha256((APP + body.decode() + timestamp + SECRET).encode()).hexdigest()
    assert wire.signature(APP, body, timestamp, SECRET) == expected
    assert wire.signature_ok(f"mac={expected}", APP, body, timestamp, SECRET)
    assert wire.signature_ok(expected.upper(), APP, body, timestamp, SECRET)
    assert not wire.signature_ok(expected, APP, body + b" ", timestamp, SECRET)
    assert not wire.signature_ok(expected, APP, body, "1700000000001", SECRET)
    assert not wire.signature_ok("mac=", APP, body, timestamp, SECRET)


def test_events_are_read_into_what_the_core_needs() -> None:
    text = wire.read_event(
        {
            "event_name": "user_send_text",
            "sender": {"id": "u1"},
            "message": {"text": "hi", "msg_id": "m1"},
        }
    )
    assert (text.user_id, text.text, text.action, text.event_id) == ("u1", "hi", None, "m1")
    press = wire.read_event(
        {
            "event_name": "user_send_text",
            "sender": {"id": "u1"},
            "message": {"text": "#hd:p:soc-trang", "msg_id": "m2"},
        }
    )
    assert (press.action, press.text) == ("p:soc-trang", None)
    follow = wire.read_event({"event_name": "follow", "follower": {"id": "u2"}, "timestamp": "5"})
    assert follow.user_id == "u2" and follow.event_id == "follow:u2:5"
    image = wire.read_event(
        {"event_name": "user_send_image", "sender": {"id": "u3"}, "message": {"msg_id": "m3"}}
    )
    assert image.attachment == "photo"
    odd = wire.read_event({"event_name": "oa_send_text", "message": "not a dict"})
    assert odd.user_id is None and odd.text is None


def test_long_text_is_cut_under_2000() -> None:
    reply = Outbound(
        ("Dòng hướng dẫn dài. " * 40 + "\n\n") * 8, buttons=(Button("☰ Menu", "menu"),)
    )
    bodies = render("u1", reply)
    assert len(bodies) >= 3
    assert all(len(b["message"]["text"]) <= wire.TEXT_LIMIT for b in bodies)
    assert "attachment" in bodies[-1]["message"] and "attachment" not in bodies[0]["message"]


def test_six_choices_go_over_two_messages_of_at_most_four() -> None:
    reply = Outbound(
        "Bạn cần giúp gì?", buttons=tuple(Button(f"Mục {i}", f"m:{i}") for i in range(6))
    )
    bodies = render("u1", reply)
    buttons = [b["message"]["attachment"]["payload"]["buttons"] for b in bodies]
    assert [len(b) for b in buttons] == [3, 3]
    assert bodies[1]["message"]["text"] == MORE
    assert [x["payload"] for x in buttons[0] + buttons[1]] == [f"#hd:m:{i}" for i in range(6)]


def test_hotlines_are_call_buttons_first_and_links_open_pages() -> None:
    reply = Outbound(
        "Hỗ trợ:",
        buttons=(Button("☰ Menu", "menu"),),
        contacts=(Contact("Trung tâm CNTT", "0299.3626800", "Sở TT&TT"),),
        links=(Link("Bluezone", "https://bluezone.gov.vn"),),
    )
    (body,) = render("u1", reply)
    buttons = body["message"]["attachment"]["payload"]["buttons"]
    assert buttons[0] == {
        "title": "☎ Trung tâm CNTT",
        "type": "oa.open.phone",
        "payload": {"phone_code": "02993626800"},
    }
    assert buttons[2]["type"] == "oa.open.url"
    assert "0299.3626800" in body["message"]["text"]


def test_buttons_are_spread_evenly() -> None:
    for count, expected in ((1, [1]), (4, [4]), (5, [3, 2]), (8, [4, 4]), (9, [3, 3, 3])):
        reply = Outbound("x", buttons=tuple(Button(f"b{i}", f"a:{i}") for i in range(count)))
        sizes = [
            len(b["message"].get("attachment", {}).get("payload", {}).get("buttons", []))
            for b in render("u", reply)
        ]
        assert sizes == expected, count
