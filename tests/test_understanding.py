"""Understanding: the held-out targets, and each mechanism of the matcher on its own."""

from __future__ import annotations

import pytest

from bench.accuracy import evaluate, project_matcher
from bot.content import Content
from bot.matcher import Understander

IN_SCOPE_TARGET = 0.92
OUT_OF_SCOPE_TARGET = 0.85


def test_held_out_accuracy_meets_the_targets(content: Content) -> None:
    """The held-out set is never used as examples or for tuning; this is the honest figure."""
    score = evaluate("helpdesk matcher", project_matcher(content))
    assert score.in_scope >= 300 and score.out_of_scope >= 40
    # Only the figures: improving the matcher by reading held-out misses would spoil the set.
    # Tune on tuning/dev.tsv (`python -m tuning.calibrate`), then measure here.
    assert score.in_scope_accuracy >= IN_SCOPE_TARGET, f"in-scope {score.in_scope_accuracy:.1%}"
    assert score.out_of_scope_accuracy >= OUT_OF_SCOPE_TARGET, (
        f"out-of-scope {score.out_of_scope_accuracy:.1%}"
    )


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("caibluezonethenao", "bluezone.install"),  # run together
        ("kocodtthongminhquetqrsao", "qr.no_smartphone"),  # run together, abbreviations
        ("bluzone ko nhan dc ma otp", "bluezone.otp"),  # typo and abbreviations
        ("KÍCH HOẠT LẠI BLUEZONE", "bluezone.reactivate"),  # capitals
        ("how do i update bluezone", "bluezone.reactivate"),  # English
    ],
)
def test_phone_typing(understander: Understander, question: str, topic: str) -> None:
    assert understander.understand(question).topic == topic


def test_a_named_phone_picks_the_platform_variant(understander: Understander) -> None:
    assert understander.understand("cai bluezone").topic == "bluezone.install"
    assert understander.understand("cai bluezone cho may oppo").topic == "bluezone.install_android"
    assert understander.understand("tải bluezone cho ipad").topic == "bluezone.install_ios"


def test_a_named_app_limits_the_topics(understander: Understander) -> None:
    decision = understander.understand("ncovi la gi")
    assert decision.topic == "ncovi.about"
    assert all(not t.startswith(("bluezone.", "qr.")) for t, _ in decision.candidates)
    both = understander.understand("dùng bluezone quét mã qr ở cửa hàng thế nào")
    assert both.topic == "qr.scan", "two apps named: both apps' topics are open"


def test_out_of_scope_questions_are_not_answered(understander: Understander) -> None:
    for question in (
        "thoi tiet ha noi ngay mai",
        "giá vé số hôm nay",
        "đăng ký tiêm vắc xin ở đâu",
    ):
        decision = understander.understand(question)
        assert decision.kind == "unknown" and decision.topic is None, question


def test_confidence_is_a_probability_that_separates(understander: Understander) -> None:
    sure = understander.understand("làm sao cài bluezone trên iphone").confidence
    unsure = understander.understand("điện thoại tôi bị sao vậy").confidence
    assert 0.0 <= unsure < sure <= 1.0


def test_another_app_is_not_one_of_ours(understander: Understander) -> None:
    for question in ("cài zalo trên samsung thế nào", "mã otp momo không về", "facebook tu tat"):
        assert understander.understand(question).topic is None, question
    assert understander.understand("cai bluezone tren samsung").topic == "bluezone.install_android"


def test_twenty_phone_typed_questions_get_the_right_first_reply(understander: Understander) -> None:
    from bench.questions import read_questions
    from bot.settings import PROJECT_ROOT

    questions = read_questions(PROJECT_ROOT / "tests" / "data" / "first_reply.tsv")
    assert len(questions) == 20
    wrong = [(q, t, understander.understand(q).topic) for t, q in questions]
    wrong = [w for w in wrong if w[1] != w[2]]
    assert wrong == []
