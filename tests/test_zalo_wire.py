"""Zalo's wire format: signatures, events, and replies cut and merged to Zalo's limits."""

from __future__ import annotations

import datetime as dt
import hashlib

from bot.messages import Button, Contact, Link, Outbound
from channels.zalo import errors, wire
from channels.zalo.errors import Verdict
from channels.zalo.numbered import numbered, typed_choice
from channels.zalo.render import MORE, block, body, template_pieces
from tests.fake_zalo import DOCUMENTED_ERRORS

APP, SECRET = "1234567890123456789", "oa-secret-key-ABCDEFGHIJ"


def bodies(replies: list[Outbound]) -> list[dict[str, object]]:
    return [body("u1", piece) for piece in template_pieces(replies)]


def buttons_of(message: dict[str, object]) -> list[dict[str, object]]:
    inner = message["message"]
    assert isinstance(inner, dict)
    return list(inner.get("attachment", {}).get("payload", {}).get("buttons", []))


def test_signature_is_plain_sha256_of_app_body_timestamp_secret() -> None:
    body_, timestamp = b'{"event_name":"user_send_text"}', "1700000000000"
    expected = hashlib.sha256((APP + body_.decode() + timestamp + SECRET).encode()).hexdigest()
    assert wire.signature(APP, body_, timestamp, SECRET) == expected


def test_events_are_read_into_what_the_core_needs() -> None:
    text = wire.read_event(
        {
            "event_name": "user_send_text",
            "sender": {"id": "u1"},
            "message": {"text": "hi", "msg_id": "m1"},
            "timestamp": "1700000000000",
        }
    )
    assert (text.user_id, text.text, text.action, text.event_id) == ("u1", "hi", None, "m1")
    assert text.from_user and text.at == dt.datetime.fromtimestamp(1_700_000_000, dt.UTC)
    press = wire.read_event(
        {
            "event_name": "user_send_text",
            "sender": {"id": "u1"},
            "message": {"text": "#hd:p:soc-trang", "msg_id": "m2"},
        }
    )
    assert (press.action, press.text) == ("p:soc-trang", None)
    follow = wire.read_event({"event_name": "follow", "follower": {"id": "u2"}, "timestamp": "5"})
    assert follow.user_id == "u2" and follow.event_id == "follow:u2:5" and not follow.from_user
    image = wire.read_event(
        {"event_name": "user_send_image", "sender": {"id": "u3"}, "message": {"msg_id": "m3"}}
    )
    assert image.attachment == "photo"
    echo = wire.read_event({"event_name": "oa_send_text", "sender": {"id": "oa"}})
    assert echo.user_id is None
    odd = wire.read_event({"event_name": "oa_send_text", "message": "not a dict"})
    assert odd.user_id is None and odd.text is None


def test_event_times_are_milliseconds_or_seconds_and_nothing_else() -> None:
    assert wire.event_time("1700000000000") == wire.event_time("1700000000")
    for junk in ("not-a-time", "", None, "-5", "1e12", "9" * 20, "١٢٣"):
        assert wire.event_time(junk) is None, junk


def test_long_text_is_cut_under_2000() -> None:
    reply = Outbound(
        ("Dòng hướng dẫn dài. " * 40 + "\n\n") * 8, buttons=(Button("☰ Menu", "menu"),)
    )
    sent = bodies([reply])
    assert len(sent) >= 3
    assert all(len(str(b["message"]["text"])) <= wire.TEXT_LIMIT for b in sent)  # type: ignore[index]
    assert buttons_of(sent[-1]) and not buttons_of(sent[0])


def test_bubbles_of_one_turn_are_merged_within_the_limits() -> None:
    short = [Outbound("Một"), Outbound("Hai", buttons=(Button("A", "a"),)), Outbound("Ba")]
    (one,) = bodies(short)
    assert one["message"]["text"] == "Một\n\nHai\n\nBa"  # type: ignore[index]
    assert len(buttons_of(one)) == 1
    many = [Outbound(f"B{i}", buttons=(Button("x", "x"), Button("y", "y"))) for i in range(3)]
    assert [len(buttons_of(b)) for b in bodies(many)] == [4, 2], "at most 4 buttons a message"
    long = [Outbound("a" * 1500), Outbound("b" * 1500)]
    assert len(bodies(long)) == 2, "at most 2000 characters a message"


def test_six_choices_go_over_two_messages_of_at_most_four() -> None:
    reply = Outbound(
        "Bạn cần giúp gì?", buttons=tuple(Button(f"Mục {i}", f"m:{i}") for i in range(6))
    )
    sent = bodies([reply])
    groups = [buttons_of(b) for b in sent]
    assert [len(b) for b in groups] == [3, 3]
    assert sent[1]["message"]["text"] == MORE  # type: ignore[index]
    assert [x["payload"] for x in groups[0] + groups[1]] == [f"#hd:m:{i}" for i in range(6)]


def test_hotlines_are_call_buttons_first_and_links_open_pages() -> None:
    reply = Outbound(
        "Hỗ trợ:",
        buttons=(Button("☰ Menu", "menu"),),
        contacts=(Contact("Trung tâm CNTT", "0299.3626800", "Sở TT&TT"),),
        links=(Link("Bluezone", "https://bluezone.gov.vn"),),
    )
    (sent,) = bodies([reply])
    buttons = buttons_of(sent)
    assert buttons[0] == {
        "title": "☎ Trung tâm CNTT",
        "type": "oa.open.phone",
        "payload": {"phone_code": "02993626800"},
    }
    assert buttons[2]["type"] == "oa.open.url"
    assert "0299.3626800" in str(sent["message"]["text"])  # type: ignore[index]


def test_buttons_are_spread_evenly() -> None:
    for count, expected in ((1, [1]), (4, [4]), (5, [3, 2]), (8, [4, 4]), (9, [3, 3, 3])):
        reply = Outbound("x", buttons=tuple(Button(f"b{i}", f"a:{i}") for i in range(count)))
        assert [len(buttons_of(b)) for b in bodies([reply])] == expected, count


def test_numbered_choices_write_everything_out_and_number_across_the_turn() -> None:
    replies = [
        Outbound("Chọn tỉnh:", buttons=(Button("Quảng Ngãi", "p:qn"), Button("Sóc Trăng", "p:st"))),
        Outbound(
            "Hỗ trợ:",
            buttons=(Button("☰ Menu", "menu"),),
            contacts=(Contact("Trung tâm CNTT", "0299.3626800"),),
            links=(Link("Bluezone", "https://bluezone.gov.vn"),),
        ),
    ]
    plan = numbered([block(r) for r in replies], "Gõ số để chọn.")
    (only,) = plan.pieces
    assert only.choices == ()
    assert only.text.splitlines() == [
        "Chọn tỉnh:",
        "1. Quảng Ngãi",
        "2. Sóc Trăng",
        "",
        "Hỗ trợ:",
        "☎ Trung tâm CNTT: 0299.3626800",
        "3. ☰ Menu",
        "🔗 Bluezone: https://bluezone.gov.vn",
        "Gõ số để chọn.",
    ]
    assert plan.actions == ["p:qn", "p:st", "menu"]
    assert numbered([block(Outbound("Chỉ chữ"))], "Gõ số").pieces[0].text == "Chỉ chữ"


def test_numbered_text_stays_under_2000_characters() -> None:
    replies = [Outbound("x " * 990, buttons=tuple(Button(f"Mục {i}", f"m:{i}") for i in range(10)))]
    plan = numbered([block(r) for r in replies], "Gõ số.")
    assert len(plan.pieces) == 2 and all(len(p.text) <= 2000 for p in plan.pieces)
    assert plan.pieces[-1].text.endswith("10. Mục 9\nGõ số.")


def test_typed_numbers_map_only_to_choices_shown() -> None:
    actions = ["p:qn", "p:st", "menu"]
    for typed, action in (("2", "p:st"), (" 3 ", "menu"), ("1.", "p:qn"), ("#2", "p:st")):
        assert typed_choice(typed, actions) == action, typed
    for typed in ("0", "4", "12", "2 3", "số 2", "0299.3626800", "", "2a", "١"):
        assert typed_choice(typed, actions) is None, typed
    assert typed_choice("1", []) is None


def test_every_documented_error_code_has_a_meaning() -> None:
    assert set(DOCUMENTED_ERRORS) <= errors.DOCUMENTED
    expected = {
        Verdict.UNREACHABLE: {-213, -217, -227, -244},
        Verdict.RETRY: {-32, -100, -234},
        Verdict.REFRESH: {-216, -220, -124},
        Verdict.OUTSIDE_WINDOW: {-230, -232},
        Verdict.QUOTA: {-211, -218},
        Verdict.SHAPE: {-201, -210, -233},
    }
    for verdict, codes in expected.items():
        assert {code for code in codes if errors.verdict(code) is verdict} == codes, verdict
    assert errors.verdict(-221) is Verdict.FAIL and errors.verdict(-99999) is Verdict.FAIL
    assert set(wire.TEMPLATE_REFUSED) <= {
        c for c in errors.DOCUMENTED if errors.verdict(c) is Verdict.SHAPE
    }
