"""Settings are read from the environment and wrong ones are refused by name."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_DATABASE_URL, Settings, SettingsError


def test_defaults_need_nothing() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert (settings.host, settings.port, settings.default_locale) == ("127.0.0.1", 8080, "vi")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "0"),
        ("PORT", "x"),
        ("DEFAULT_LOCALE", "fr"),
        ("DATABASE_URL", "mysql://x/y"),
        ("MESSAGE_RETENTION_DAYS", "-1"),
        ("LOG_LEVEL", "VERBOSE"),
    ],
)
def test_wrong_values_name_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_log_level_in_any_case() -> None:
    assert Settings.from_env({"LOG_LEVEL": "debug"}).log_level == "DEBUG"


def test_broadcast_rates_are_checked() -> None:
    from bot.settings import rate

    assert rate({}, "X_RATE", 25.0) == 25.0
    assert rate({"X_RATE": "2.5"}, "X_RATE", 25.0) == 2.5
    for bad in ("0", "-1", "fast", "5000"):
        with pytest.raises(SettingsError, match="X_RATE"):
            rate({"X_RATE": bad}, "X_RATE", 25.0)


def test_quiet_hours_are_a_setting() -> None:
    import datetime as dt

    from bot.broadcasts.schedule import NEVER_QUIET, QuietHours

    assert Settings.from_env({}).quiet_hours == (dt.time(21, 0), dt.time(7, 0))
    assert Settings.from_env({"BROADCAST_QUIET_HOURS": "22:30-06:00"}).quiet_hours == (
        dt.time(22, 30),
        dt.time(6, 0),
    )
    assert Settings.from_env({"BROADCAST_QUIET_HOURS": "none"}).quiet_hours is None
    with pytest.raises(SettingsError, match="BROADCAST_QUIET_HOURS"):
        Settings.from_env({"BROADCAST_QUIET_HOURS": "late"})
    never = QuietHours(*NEVER_QUIET)
    day = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    assert not any(never.quiet(day + dt.timedelta(minutes=m)) for m in range(0, 1440, 15))
