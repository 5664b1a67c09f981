"""Understanding: the held-out targets, and each mechanism of the matcher on its own."""

from __future__ import annotations

import pytest

from bench.accuracy import evaluate, project_matcher
from bench.overlap import unseen
from bench.province import run as province_check
from bench.questions import read_labelled
from bot.content import Content
from bot.matcher import Understander
from bot.matcher.calibration import Calibration
from bot.matcher.linear import LinearModel, content_hash

# Regression floors on the blind held-out set, under the figures measured when the learned
# classifier was shipped (README: Benchmarks). The targets (95% / 95%, every style
# 90%) are higher and are reported, not asserted: the README says where they are missed.
IN_SCOPE_FLOOR = 0.90
OUT_OF_SCOPE_FLOOR = 0.87
PROVINCE_FLOOR = 0.97


def test_blind_held_out_accuracy_stays_above_its_floor(content: Content) -> None:
    """The blind set is never used as examples or for tuning; this is the honest figure."""
    rows, _ = unseen(content, read_labelled())
    score = evaluate("helpdesk", project_matcher(content), rows)
    inside, outside = score.in_scope, score.out_of_scope
    assert inside[1] >= 600 and outside[1] >= 100
    # Only the figures: improving the matcher by reading held-out misses would spoil the set.
    assert inside[0] / inside[1] >= IN_SCOPE_FLOOR, f"in-scope {inside}"
    assert outside[0] / outside[1] >= OUT_OF_SCOPE_FLOOR, f"out-of-scope {outside}"


def test_hotline_questions_naming_a_province_get_that_province(
    content: Content, understander: Understander
) -> None:
    result = province_check(content, understander)
    assert result.total >= 50
    # The target is all of them; the floor is under the shipped figure (README). Only counts
    # are printed: reading the misses would turn the blind set into a tuning set.
    share = result.right / result.total
    assert share >= PROVINCE_FLOOR, f"{result.total - result.right} of {result.total} wrong"


def test_the_shipped_model_and_cut_offs_were_fitted_on_this_content(content: Content) -> None:
    """After editing examples or abbreviations, run `python -m tuning.train`."""
    current = content_hash(content)
    assert LinearModel.load().fitted_on == current, "bot/matcher/model.npz is stale"
    assert Calibration.load().fitted_on == current, "bot/matcher/calibration.json is stale"


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
        "quét mã qr thanh toán momo bị lỗi",
        "mã otp vietcombank không về",
    ):
        decision = understander.understand(question)
        assert decision.kind == "unknown" and decision.topic is None, question


def test_health_questions_go_to_the_health_line_not_the_exposure_warning(
    understander: Understander, content: Content
) -> None:
    for question in ("đăng ký tiêm vắc xin ở đâu", "bà bầu có bị covid nặng hơn không"):
        topic = content.topic(understander.understand(question).topic or "")
        assert topic is not None and topic.health and topic.id != "bluezone.exposure_alert"


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
