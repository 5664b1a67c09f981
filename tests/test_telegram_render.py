"""Rendering replies for Telegram: escaping, splitting, keyboards, contact cards."""

from __future__ import annotations

import html

from bot.messages import Button, Contact, Link, Outbound
from bot.render import split_text
from channels.telegram.render import (
    CALLBACK_DATA_LIMIT,
    TEXT_LIMIT,
    render,
    to_html,
    visible_length,
)


def test_html_is_escaped_and_bold_converted() -> None:
    assert to_html("a < b & **c** > d") == "a &lt; b &amp; <b>c</b> &gt; d"
    assert to_html("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"


def test_long_text_is_split_at_paragraphs_within_the_limit() -> None:
    paragraph = "Bước một. " * 60  # about 600 characters
    text = "\n\n".join([paragraph.strip()] * 20)
    pieces = split_text(text, TEXT_LIMIT)
    assert len(pieces) > 1
    assert all(len(p) <= TEXT_LIMIT for p in pieces)
    assert all(p.endswith("Bước một.") for p in pieces), "cut at a paragraph boundary"
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split()), "nothing lost"


def test_a_bold_phrase_is_never_cut() -> None:
    text = "x" * 4090 + " **đậm đậm** tail"
    pieces = split_text(text, TEXT_LIMIT)
    assert all(p.count("**") % 2 == 0 for p in pieces)


def test_escaped_text_stays_within_the_visible_limit() -> None:
    reply = Outbound("<&>" * 3000)
    messages = render(reply)
    assert all(m.text is not None and visible_length(m.text) <= TEXT_LIMIT for m in messages)
    assert "".join(html.unescape(m.text or "") for m in messages) == "<&>" * 3000


def test_keyboard_rows_and_limits() -> None:
    reply = Outbound(
        "Chọn",
        buttons=(
            Button("✅ Xong", "s:g:b:s:ok"),
            Button("❌ Không được", "s:g:b:s:fail"),
            Button("Một nhãn rất dài cho một câu hỏi dài", "t:bluezone.about"),
            Button("quá dài", "x" * (CALLBACK_DATA_LIMIT + 1)),
        ),
        links=(Link("Bluezone", "https://bluezone.gov.vn"),),
    )
    (message,) = render(reply)
    assert message.keyboard is not None
    rows = message.keyboard.inline_keyboard
    assert [len(r) for r in rows] == [2, 1, 1]
    assert rows[2][0].url == "https://bluezone.gov.vn"
    actions = [b.callback_data for r in rows for b in r if b.callback_data]
    assert all(len(str(a).encode()) <= CALLBACK_DATA_LIMIT for a in actions)


def test_contacts_come_as_text_and_as_cards() -> None:
    contact = Contact("Trung tâm CNTT", "0299.3626800", "Sở TT&TT Sóc Trăng")
    messages = render(Outbound("Hỗ trợ:", contacts=(contact,)))
    assert messages[0].text is not None and "0299.3626800" in messages[0].text
    assert "&amp;" in messages[0].text
    assert messages[1].contact == contact and contact.dial == "02993626800"


def test_a_blank_text_is_never_sent() -> None:
    from channels.telegram.render import PLACEHOLDER

    menu = (Button("Menu", "m:main"),)
    assert render(Outbound("   \n ")) == [], "nothing to say: nothing sent"
    assert render(Outbound("** **")) == [], "empty once the markup is gone"
    (only,) = render(Outbound(" ", buttons=menu))
    assert only.text == PLACEHOLDER and only.keyboard is not None, "buttons need a text"
    contact = Contact(name="CDC", phone="0299.3626800")
    messages = render(Outbound("", contacts=(contact,)))
    assert messages[0].text is not None and "0299.3626800" in messages[0].text
    assert messages[-1].contact == contact
