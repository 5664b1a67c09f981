"""`helpdesk content check` on the shipped content, and that it catches broken content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app import build_responder
from bot.content import Content, ContentError, load_content
from bot.content.loader import check_folder
from bot.messages import Inbound
from bot.plugins import profiles
from bot.settings import PROJECT_ROOT, Settings

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
    report = check_folder(SHIPPED, profiles())
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
    errors = "\n".join(check_folder(broken, profiles()).errors)
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


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_national_answer_citing_a_provinces_letter_fails_the_check(broken: Path) -> None:
    _edit(
        broken / "topics" / "bluezone.about.yaml",
        "sources: [bluezone-app]",
        "sources: [bluezone-app, letter-2021-01-30-qng-stttt]",
    )
    errors = "\n".join(check_folder(broken, profiles()).errors)
    assert (
        "topic bluezone.about: its national answer cites letter-2021-01-30-qng-stttt, "
        "a letter of quang-ngai, but is shown in an-giang" in errors
    )


def test_a_provinces_answer_citing_another_provinces_letter_fails_the_check(
    broken: Path,
) -> None:
    _edit(
        broken / "provinces" / "soc-trang.yaml",
        "sources: [letter-2021-02-st-stttt, bluezone-code]",
        "sources: [letter-2021-02-st-stttt, bluezone-code, letter-2020-08-12-qng-ubnd]",
    )
    errors = "\n".join(check_folder(broken, profiles()).errors)
    assert (
        "the soc-trang answer (provinces/soc-trang.yaml) cites letter-2020-08-12-qng-ubnd, "
        "a letter of quang-ngai, but is shown in soc-trang" in errors
    )


def test_an_answer_naming_another_province_fails_the_check(broken: Path) -> None:
    _edit(
        broken / "topics" / "qr.scan.yaml",
        "answer:\n  vi: |-\n",
        "answer:\n  vi: |-\n    Ở Quảng Ngãi, mọi người phải quét mã.\n",
    )
    errors = "\n".join(check_folder(broken, profiles()).errors)
    assert "topic qr.scan: its national answer names the province quang-ngai" in errors


def test_a_hotline_without_its_provinces_letter_fails_the_check(broken: Path) -> None:
    _edit(
        broken / "provinces" / "soc-trang.yaml",
        "    source: letter-2021-02-st-stttt",
        "    source: letter-2021-08-26-qng-stttt",
    )
    _edit(broken / "provinces" / "quang-ngai.yaml", "    source: letter-2021-08-26-qng-stttt\n", "")
    errors = "\n".join(check_folder(broken, profiles()).errors)
    assert "province soc-trang: hotline 0299.3626800 cites letter-2021-08-26-qng-stttt" in errors
    assert "'source' is missing" in errors


def test_a_guide_citing_a_provinces_letter_fails_the_check(broken: Path) -> None:
    _edit(
        broken / "guides" / "qr.register_place.yaml",
        "sources: [qr-guides,",
        "sources: [letter-2021-08-26-qng-stttt, qr-guides,",
    )
    errors = "\n".join(check_folder(broken, profiles()).errors)
    assert "guide qr.register_place: cites letter-2021-08-26-qng-stttt" in errors


async def test_a_new_province_is_one_file_of_content(broken: Path) -> None:
    """Names, a letter, a hotline and an own answer: the bot and the check follow, no code."""
    (broken / "provinces" / "dak-lak.yaml").unlink()
    (broken / "provinces" / "dak-lak.yaml").write_text(
        """id: dak-lak
name: {vi: Đắk Lắk, en: Dak Lak}
aliases: [dak lak, daklak, đắc lắc, buon ma thuot]
letters:
  - id: letter-2021-03-01-dl-stttt
    title: "Đắk Lắk Department of Information and Communications: a test letter"
    date: 2021-03-01
    file: letters/none.txt
hotlines:
  - name: {vi: Tổ hỗ trợ, en: Support team}
    role: {vi: Sở TT&TT Đắk Lắk, en: Dak Lak DIC}
    phone: "0262.000.000"
    source: letter-2021-03-01-dl-stttt
    hours: {vi: "7h30-17h, thứ Hai đến thứ Sáu", en: "7:30-17:00, Monday to Friday"}
    purpose: {vi: hỗ trợ người dân cài ứng dụng, en: help for people installing the apps}
answers:
  qr.which_places:
    sources: [letter-2021-03-01-dl-stttt]
    claims: {}
    answer:
      vi: Ở Đắk Lắk, chợ và bến xe phải có mã QR.
      en: In Đắk Lắk, markets and bus stations must post a QR code.
""",
        encoding="utf-8",
    )
    assert check_folder(broken).errors == []
    content = load_content(broken)
    topic = content.topic("qr.which_places")
    assert topic is not None
    assert "Đắk Lắk" in topic.answer_for("dak-lak").get("vi")
    assert "Quảng Ngãi" in topic.answer_for("quang-ngai").get("vi")
    assert "Đắk Lắk" not in topic.answer_for("soc-trang").get("vi")

    # The conversation follows the content: the province is offered, typed, and answered for.
    responder = build_responder(Settings.from_env({}), content=content)
    person = Inbound(channel="test", user_id="1", text="cho xin số hỗ trợ ở đắc lắc")
    turn = await responder.answer_new_person(person)
    [card] = [c for r in turn.replies for c in r.contacts]
    assert card.phone == "0262.000.000" and "7h30-17h" in card.role
    turn = await responder.answer_new_person(Inbound(channel="test", user_id="2", text="/hotline"))
    assert "p:dak-lak" in {b.action for r in turn.replies for b in r.buttons}
    where = Inbound(channel="test", user_id="3", text="nơi nào phải có mã qr")
    turn = await responder.answer_new_person(where, province="dak-lak")
    assert "chợ và bến xe" in "\n".join(r.text for r in turn.replies)


def test_a_hotline_must_say_what_it_is_for(broken: Path) -> None:
    province = broken / "provinces" / "soc-trang.yaml"
    text = province.read_text(encoding="utf-8")
    start = text.index("    purpose:")
    end = text.index("\n", text.index("      en:", start)) + 1
    province.write_text(text[:start] + text[end:], encoding="utf-8")
    errors = "\n".join(check_folder(broken, profiles()).errors)
    assert "province soc-trang: hotline 0299.3626800 needs a `purpose`" in errors


def test_a_label_without_a_source_fails_the_check(broken: Path) -> None:
    _edit(
        broken / "topics" / "smalltalk.help.yaml",
        "Hướng dẫn từng bước",
        "Hướng dẫn **từng bước**",
    )
    _edit(broken / "topics" / "smalltalk.help.yaml", "Guide you step", "Guide you **step**")
    errors = "\n".join(check_folder(broken, profiles()).errors)
    assert "topic smalltalk.help: vi claim 'từng bước' has no source" in errors
    assert "topic smalltalk.help: en claim 'step' has no source" in errors


def test_a_claim_must_come_from_a_source_the_answer_cites(broken: Path) -> None:
    _edit(
        broken / "topics" / "policy.who_must_install.yaml",
        "sources: [bluezone-app, bluezone-code]",
        "sources: [bluezone-app]",
    )
    errors = "\n".join(check_folder(broken, profiles()).errors)
    assert (
        "topic policy.who_must_install: 'không bắt buộc' comes from bluezone-code, "
        "which this answer does not list in its sources" in errors
    )


def test_english_must_claim_what_vietnamese_claims(broken: Path) -> None:
    _edit(broken / "provinces" / "soc-trang.yaml", "letter of 02/2021 asks for", "letter asks for")
    errors = "\n".join(check_folder(broken, profiles()).errors)
    assert "answer to policy.report: numbers differ between vi ['02/2021'] and en []" in errors


def test_every_source_has_a_date(broken: Path) -> None:
    _edit(broken / "sources.yaml", "    date: 2020-08\n", "")
    errors = "\n".join(check_folder(broken, profiles()).errors)
    assert "'date' is missing" in errors


def test_the_committed_content_review_is_up_to_date(content: Content) -> None:
    """docs/content-review.md is what a department signs off: it must be today's content."""
    from bot.content.review import review_markdown

    committed = (PROJECT_ROOT / "docs" / "content-review.md").read_text(encoding="utf-8")
    assert committed == review_markdown(content), (
        "run `.venv/bin/helpdesk content review --output docs/content-review.md`"
    )
    assert "NO SOURCE" not in committed and "NO PURPOSE" not in committed
