"""Live support settings: office hours read strictly, wrong settings name themselves, and
the operators' typed buttons."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.settings import SettingsError
from bot.tickets.actions import CloseTicket, TakeTicket, read_operator_action
from bot.tickets.hours import ZONE, OfficeHours
from bot.tickets.scrub import MASK, scrub
from bot.tickets.settings import SupportSettings
from channels.telegram.config import TelegramSettings

TOKEN = "123456789:AAHfake-token_for-the-test-suite01"


def vietnam(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time in November 2026 in Vietnam (the 23rd is a Monday)."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=ZONE)


def test_office_hours_with_a_lunch_break_and_a_saturday_morning() -> None:
    hours = OfficeHours.parse("Mon-Fri 07:30-11:30,13:30-17:00; Sat 08:00-11:00")
    assert hours.is_open(vietnam(23, 7, 30)) and not hours.is_open(vietnam(23, 7, 29))
    assert not hours.is_open(vietnam(23, 12, 0)), "lunch"
    assert not hours.is_open(vietnam(27, 17, 0)), "the end is not included"
    assert hours.is_open(vietnam(28, 10, 59)) and not hours.is_open(vietnam(29, 9, 0))
    assert hours.next_open(vietnam(27, 18, 0)) == vietnam(28, 8, 0)
    assert hours.next_open(vietnam(28, 12, 0)) == vietnam(30, 7, 30)
    assert hours.next_open(vietnam(23, 12, 0)) == vietnam(23, 13, 30)
    utc = vietnam(28, 12, 0).astimezone(dt.UTC)
    assert hours.is_open(utc) is False and hours.when(utc, "en") == "Monday 07:30"
    assert hours.describe("en") == "Mon-Fri 07:30-11:30, 13:30-17:00; Sat 08:00-11:00"
    always = OfficeHours.parse("always")
    assert always.is_open(vietnam(29, 3, 0)) and always.next_open(vietnam(29, 3, 0)) is None


@pytest.mark.parametrize(
    "written",
    [
        "Mon-Fri 7:30-17:00",
        "Mon-Fri 07:30-17",
        "Fri-Mon 07:30-17:00",
        "Mon-Fri 17:00-07:30",
        "Mon-Fri",
        "Mo-Fr 07:30-17:00",
        "Mon-Fri 24:30-25:00",
        ";",
    ],
)
def test_wrong_office_hours_name_the_setting(written: str) -> None:
    with pytest.raises(SettingsError, match="SUPPORT_HOURS"):
        SupportSettings.from_env({"SUPPORT_HOURS": written})


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"LIVE_SUPPORT": "maybe"}, "LIVE_SUPPORT"),
        ({"SUPPORT_REMIND_MINUTES": "soon"}, "SUPPORT_REMIND_MINUTES"),
        ({"SUPPORT_REMIND_MINUTES": "-5"}, "SUPPORT_REMIND_MINUTES"),
    ],
)
def test_wrong_support_settings_name_themselves(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        SupportSettings.from_env(env)


def test_the_defaults_and_the_operators_group_setting() -> None:
    defaults = SupportSettings.from_env({})
    assert (defaults.mode, defaults.remind_minutes) == ("auto", 15)
    assert defaults.hours == OfficeHours.parse("Mon-Fri 07:30-17:00")
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "OPERATOR_TELEGRAM_CHAT_ID": "-1001234567890"}
    telegram = TelegramSettings.from_env(env)
    assert telegram is not None and telegram.operator_chat_id == -1001234567890
    for wrong in ("1001234567890", "@operators", "-12"):
        with pytest.raises(SettingsError, match="OPERATOR_TELEGRAM_CHAT_ID"):
            TelegramSettings.from_env({**env, "OPERATOR_TELEGRAM_CHAT_ID": wrong})


def test_operator_buttons_are_typed_and_checked() -> None:
    assert read_operator_action(TakeTicket("12").pack()) == TakeTicket("12")
    assert read_operator_action(CloseTicket("7").pack()) == CloseTicket("7")
    for wrong in ("op:take", "op:take:x", "op:open:1", "take:1", "op:take:1:2", "s:1"):
        assert read_operator_action(wrong) is None, wrong


def test_scrub_masks_phone_and_id_numbers_only() -> None:
    text = "Gọi 0912.345.678 hoặc +84 912 345 678, CCCD 079123456789, OTP 123456, 1900 9095"
    assert scrub(text, keep={"19009095"}) == (
        f"Gọi {MASK} hoặc {MASK}, CCCD {MASK}, OTP 123456, 1900 9095"
    )
