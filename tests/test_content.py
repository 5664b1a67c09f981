"""`helpdesk content check` on the shipped content, and that it catches broken content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import Content, ContentError, load_content
from bot.content.check import check_folder
from bot.settings import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "content"
# The topic catalogue of the knowledge issue: ids are stable and `helpdesk ask --json` uses them.
TOPICS = [
    *("bluezone.about", "bluezone.privacy", "bluezone.install", "bluezone.install_android"),
    *("bluezone.install_ios", "bluezone.device_support", "bluezone.activate"),
    *("bluezone.reactivate", "bluezone.otp", "bluezone.bluetooth", "bluezone.background"),
    *("bluezone.exposure_alert", "ncovi.about", "ncovi.install", "ncovi.declare", "ncovi.update"),
    *("ncovi.declare_for_others", "qr.about", "qr.register_place", "qr.display", "qr.scan"),
    *("qr.no_smartphone", "qr.which_places", "policy.who_must_install", "policy.report"),
    *("support.hotline", "smalltalk.greeting", "smalltalk.thanks", "smalltalk.help"),
    *("health.symptoms", "health.general"),
]
LETTER_HOTLINES = {
    "quang-ngai": {"0982.142.211", "0914.559.068"},
    "soc-trang": {"0299.3626800"},
    "other": set(),
}


def test_shipped_content_passes_the_check() -> None:
    report = check_folder(SHIPPED)
    assert report.errors == []


def test_every_topic_of_the_catalogue_exists_in_both_languages(content: Content) -> None:
    assert sorted(content.topics) == sorted(TOPICS)
    for topic in content.topics.values():
        for locale in ("vi", "en"):
            assert topic.answer.values.get(locale), (topic.id, locale)
            assert topic.title.values.get(locale), (topic.id, locale)


def test_required_guides_exist_with_branches(content: Content) -> None:
    install = content.guide("bluezone.install")
    assert install is not None
    assert {b.id for b in install.branches} == {"android", "ios"}
    assert content.guide("qr.register_place") is not None


def test_hotlines_are_exactly_those_of_the_letters(content: Content) -> None:
    for province_id, numbers in LETTER_HOTLINES.items():
        province = content.province(province_id)
        assert province is not None
        assert {h.phone for h in province.hotlines} == numbers
        for hotline in province.hotlines:
            source = content.sources[hotline.source]
            letter = PROJECT_ROOT.parent / "shared" / source.file
            if letter.exists():  # the letters live beside the repository in the workspace
                assert hotline.phone in letter.read_text(encoding="utf-8")
    assert content.health_hotline.phone == "1900 9095"


def test_no_phone_number_is_written_into_answers(content: Content) -> None:
    numbers = {h.phone for p in content.provinces.values() for h in p.hotlines}
    numbers.add(content.health_hotline.phone)
    for topic in content.topics.values():
        for text in topic.answer.values.values():
            assert not any(n in text for n in numbers), topic.id


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(SHIPPED, folder)
    return folder


def test_the_check_reports_every_kind_of_problem(broken: Path) -> None:
    topic = broken / "topics" / "bluezone.otp.yaml"
    text = topic.read_text(encoding="utf-8")
    text = text.replace("related: [", "related: [bluezone.nope, ", 1)
    text = text.replace("\n  en: |-", "\n  fr: |-", 1)
    topic.write_text(text, encoding="utf-8")
    guide = broken / "guides" / "qr.scan.yaml"
    guide.write_text(guide.read_text(encoding="utf-8").replace("topic: qr.scan", "topic: qr.gone"))
    (broken / "topics" / "qr.display.yaml").write_text(
        (broken / "topics" / "qr.display.yaml").read_text(encoding="utf-8")
        + "\n"
        + "links: [nowhere]\n",
        encoding="utf-8",
    )
    long_answer = broken / "topics" / "qr.about.yaml"
    long_answer.write_text(
        long_answer.read_text(encoding="utf-8").replace(
            "answer:\n  vi: |-\n", "answer:\n  vi: |-\n    " + "x" * 2100 + "\n", 1
        ),
        encoding="utf-8",
    )
    errors = "\n".join(check_folder(broken).errors)
    assert "related topic 'bluezone.nope' does not exist" in errors
    assert "has no en text" in errors and "unknown locale 'fr'" in errors
    assert "topic 'qr.gone' does not exist" in errors
    assert "link 'nowhere' is not a known site" in errors
    assert "over the zalo limit of 2000" in errors
    with pytest.raises(ContentError):
        load_content(broken)


def test_the_check_reports_colliding_and_scarce_examples(broken: Path) -> None:
    otp = broken / "topics" / "bluezone.otp.yaml"
    otp.write_text(
        otp.read_text(encoding="utf-8").replace(
            "  vi:\n", "  vi:\n    - cai bluezone the nao\n", 1
        ),
        encoding="utf-8",
    )
    thanks = broken / "topics" / "smalltalk.thanks.yaml"
    lines = thanks.read_text(encoding="utf-8").split("examples:")[0] + "examples:\n  vi: [cảm ơn]\n"
    thanks.write_text(lines, encoding="utf-8")
    report = check_folder(broken)
    assert any(
        "given for several topics: bluezone.install, bluezone.otp" in e for e in report.errors
    )
    assert any("smalltalk.thanks: only 1 example" in w for w in report.warnings)


def test_every_language_needs_its_name(broken: Path) -> None:
    settings = broken / "content.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("en: English", "fr: Français"), encoding="utf-8")
    errors = check_folder(broken).errors
    assert "content.yaml: 'languages' has no name for 'en'" in errors


def test_a_guide_nobody_offers_is_unreachable(broken: Path) -> None:
    topic = broken / "topics" / "qr.scan.yaml"
    topic.write_text(
        "\n".join(
            line
            for line in topic.read_text(encoding="utf-8").splitlines()
            if not line.startswith("guide:")
        ),
        encoding="utf-8",
    )
    assert any("guide qr.scan: no topic offers" in e for e in check_folder(broken).errors)
