"""Cleaning and normalising what people type."""

from __future__ import annotations

from bot.matcher import Normalizer, fold
from bot.normalize import has_diacritics
from bot.sanitize import MAX_TEXT, clean_text


def test_fold_removes_vietnamese_marks() -> None:
    assert fold("Điện thoại CỦA TÔI không được") == "dien thoai cua toi khong duoc"
    assert has_diacritics("cài đặt") and not has_diacritics("cai dat")


def test_abbreviations_are_expanded_word_by_word() -> None:
    normalizer = Normalizer({"ko": "không", "dc": "được", "ntn": "như thế nào", "dt": "điện thoại"})
    assert normalizer.normalize("cài ko dc, ntn?").folded == (
        "cai",
        "khong",
        "duoc",
        "nhu",
        "the",
        "nao",
    )
    assert normalizer.normalize("kodc").folded == ("kodc",), "only whole words"
    assert normalizer.normalize("Đt mới").accented == ("đt", "mới")


def test_clean_text() -> None:
    assert clean_text(None).problem == "empty"
    assert clean_text(" \n\t ").problem == "empty"
    assert clean_text("😀🙏").problem == "no_words"
    assert clean_text("a\x00b\u200bc\u202e d").text == "a bc d"
    assert clean_text("Cài   đặt\n\nngay").text == "Cài đặt ngay"
    decomposed = "cài".encode().decode()  # NFD input is recomposed
    assert clean_text("ca\u0300i").text == decomposed
    long = clean_text("x" * (MAX_TEXT + 50))
    assert long.truncated and len(long.text) == MAX_TEXT and long.problem is None


def test_state_round_trips_through_json() -> None:
    """to_json is written by hand for speed; it must stay in step with the fields."""
    import dataclasses
    import json

    from bot.state import Awaiting, BroadcastDraft, ConversationState, GuideProgress

    state = ConversationState(
        awaiting=Awaiting.PROVINCE,
        pending="escalate:asked",
        guide=GuideProgress("bluezone.install", "ios", 2, {"store": 1}, False),
        last_topic="bluezone.otp",
        misunderstood=1,
        province_asked=True,
        referrer="youth-7",
        still_failing=1,
        draft=BroadcastDraft("Nhắc", {"province": "soc-trang"}, [{"kind": "guide"}]),
    )
    data = json.loads(json.dumps(state.to_json()))
    assert ConversationState.from_json(data) == state
    assert set(data) == {f.name for f in dataclasses.fields(ConversationState)}
    assert set(data["guide"]) == {f.name for f in dataclasses.fields(GuideProgress)}


def test_changing_a_loaded_state_does_not_change_what_was_loaded() -> None:
    """The engine saves only what changed, by comparing with the loaded data."""
    from bot.state import ConversationState

    stored = {
        "draft": {"text": "x", "segment": {"province": "quang-ngai"}},
        "guide": {"guide": "g", "fails": {"a": 1}},
    }
    state = ConversationState.from_json(stored)
    assert state.draft is not None and state.draft.segment is not None
    assert state.guide is not None
    state.draft.segment["province"] = "soc-trang"
    state.guide.fails["a"] = 2
    assert stored == {
        "draft": {"text": "x", "segment": {"province": "quang-ngai"}},
        "guide": {"guide": "g", "fails": {"a": 1}},
    }
    assert state.to_json() != stored
