"""Interface strings: the catalogs are current and complete in every locale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from bot.i18n import translations
from bot.settings import PROJECT_ROOT

LOCALES = PROJECT_ROOT / "locales"


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    with (LOCALES / locale / "LC_MESSAGES" / "helpdesk.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def test_catalogs_hold_exactly_the_strings_in_the_code(tmp_path: Path) -> None:
    """Fails when a string was added or changed without `make extract-messages`."""
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    for locale in ("vi", "en"):
        have = {m.id for m in _catalog(locale) if m.id}
        assert wanted - have == set(), f"{locale}: missing, run `make extract-messages`"
        assert have - wanted == set(), f"{locale}: obsolete, run `make extract-messages`"


def test_every_string_is_translated() -> None:
    for locale in ("vi", "en"):
        untranslated = [m.id for m in _catalog(locale) if m.id and not m.string]
        fuzzy = [m.id for m in _catalog(locale) if m.id and m.fuzzy]
        assert untranslated == [] and fuzzy == [], locale


def test_placeholders_survive_translation() -> None:
    for message in _catalog("vi"):
        if message.id and "{" in message.id:
            for name in ("{province}", "{guide}", "{number}", "{total}"):
                assert (name in message.id) == (name in message.string), message.id


def test_vietnamese_works_without_compiled_catalogs(tmp_path: Path) -> None:
    """A forgotten `pybabel compile` must not show English to a Vietnamese person."""
    folder = tmp_path / "vi" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = LOCALES / "vi" / "LC_MESSAGES" / "helpdesk.po"
    (folder / "helpdesk.po").write_bytes(po.read_bytes())
    assert translations(tmp_path, "vi").gettext("✅ Done") == "✅ Xong"
