"""Entities read beside the topic: province, app, phone, language, and the modifiers."""

from __future__ import annotations

import pytest

from bot.matcher import Understander


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("ở Vĩnh Long thì hỏi ai", "vinh-long"),
        ("o vinh long thi hoi ai", "vinh-long"),
        ("tui ở sg nè", "ho-chi-minh"),
        ("số hỗ trợ TP.HCM", "ho-chi-minh"),
        ("dan hue can cai bluezone ko", "thua-thien-hue"),
        ("Quảng Nam có số hỗ trợ không", "quang-nam"),
        ("quảng ngãi gọi ai", "quang-ngai"),
        ("BR-VT có bắt buộc quét qr ko", "ba-ria-vung-tau"),
        ("cài bluezone thế nào", None),
        ("khai báo hộ bà ngoại", None),
    ],
)
def test_province(understander: Understander, text: str, province: str | None) -> None:
    assert understander.entities.read(text).province == province


@pytest.mark.parametrize(
    ("text", "device"),
    [
        ("bà ngoại xài máy bấm số", "feature_phone"),
        ("ba toi dung cuc gach nokia 1280", "feature_phone"),
        ("cài cho máy oppo a5", "android"),
        ("e xài iphone 7", "ios"),
        ("tải trên ipad được ko", "tablet"),
        ("khai báo trên máy tính được không", "computer"),
        ("cai pc covid ko dc", None),
        ("cài bluezone thế nào", None),
    ],
)
def test_device(understander: Understander, text: str, device: str | None) -> None:
    assert understander.entities.read(text).device == device


def test_apps_ours_and_others(understander: Understander) -> None:
    read = understander.entities.read
    assert read("bluezone ko nhận otp").apps == ("bluezone",)
    assert read("cài ncovi ở đâu").apps == ("ncovi",)
    assert read("pc-covid không vào được").apps == ("pc-covid",)
    assert read("đăng ký vneid mức 2").apps == ("vneid",)
    assert read("virus ncov lây qua đường nào").apps == (), "the virus is not the NCOVI app"


@pytest.mark.parametrize(
    ("text", "wants", "failing"),
    [
        ("ncovi đăng nhập không được, số nào hỗ trợ vậy", True, False),
        ("cho gặp người thật", True, False),
        ("who do I call about bluezone", True, False),
        ("làm theo rồi mà vẫn không được", False, True),
        ("van ko dc ad oi", False, True),
        ("nhập số điện thoại vào bluezone rồi mà không có mã", False, False),
    ],
)
def test_modifiers(understander: Understander, text: str, wants: bool, failing: bool) -> None:
    entities = understander.entities.read(text)
    assert (entities.wants_person, entities.still_failing) == (wants, failing)


@pytest.mark.parametrize(
    ("text", "symptoms", "urgent"),
    [
        ("ho sốt mấy ngày nay", True, False),
        ("minh bi ho voi sot", True, False),
        ("I think I caught covid", True, False),
        ("ba tôi sốt cao và khó thở", True, True),
        ("khai bao ho cho me", False, False),
        ("họ bảo phải cài bluezone", False, False),
        ("bỏ sót bước nào không", False, False),
    ],
)
def test_symptoms(understander: Understander, text: str, symptoms: bool, urgent: bool) -> None:
    entities = understander.entities.read(text)
    assert (entities.symptoms, entities.urgent) == (symptoms, urgent)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("how do I install bluezone on my phone", "en"),
        ("cai bluezone nhu the nao", "vi"),
        ("cài bluezone", "vi"),
        ("bluezone", None),
        ("ok", None),
    ],
)
def test_language(understander: Understander, text: str, lang: str | None) -> None:
    assert understander.entities.read(text).lang == lang


def test_as_json_has_the_documented_keys(understander: Understander) -> None:
    found = understander.entities.read("ở Sóc Trăng xài iphone cài bluezone ko dc, gọi số nào")
    assert found.as_json() == {
        "province": "soc-trang",
        "app": "bluezone",
        "device": "ios",
        "lang": "vi",
        "wants_person": True,
        "still_failing": False,
        "symptoms": False,
    }
