"""Interface strings through gettext catalogs (Babel), looked up per person's locale.

Rule (from aiogram): never translate an f-string; write `_("Hello, {name}").format(name=...)`.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DOMAIN = "helpdesk"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


@lru_cache(maxsize=16)
def translations(locales_dir: Path, locale: str) -> gettext.NullTranslations:
    """The catalog for `locale`: the compiled .mo when it is current, else the .po read directly.

    Reading the .po as a fallback means a forgotten `pybabel compile` never shows English
    to a Vietnamese user.
    """
    folder = Path(locales_dir) / locale / "LC_MESSAGES"
    po_path, mo_path = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo_path.exists() and (
        not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if po_path.exists():
        import io

        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return gettext.NullTranslations()
