"""The console: what its pages need (database, content, settings) and how they are drawn
(Jinja2 templates in the visitor's language, numbers and dates formatted by Babel)."""

from __future__ import annotations

import datetime as dt
import gettext
import re
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup, escape

from bot.admin.accounts import ROLE_NAMES
from bot.admin.period import ZONE
from bot.admin.settings import AdminSettings
from bot.content import Content
from bot.i18n import translations
from bot.settings import Settings
from bot.storage import Database

HERE = Path(__file__).resolve().parent
BABEL_LOCALES = {"vi": "vi_VN", "en": "en"}
LANGUAGE_COOKIE = "helpdesk_admin_lang"
# No script at all, no inline style, forms only to this site, never in a frame.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def babel_locale(locale: str) -> str:
    """The Babel locale of an interface language."""
    return BABEL_LOCALES.get(locale, locale)


@jinja2.pass_context
def _number(context: jinja2.runtime.Context, value: float | None) -> str:
    return "–" if value is None else format_decimal(value, locale=babel_locale(context["locale"]))


@jinja2.pass_context
def _percent(context: jinja2.runtime.Context, value: float | None) -> str:
    if value is None:
        return "–"
    return format_percent(value, format="#,##0.#%", locale=babel_locale(context["locale"]))


@jinja2.pass_context
def _day(context: jinja2.runtime.Context, value: dt.date | None) -> str:
    return "–" if value is None else format_date(value, "medium", babel_locale(context["locale"]))


@jinja2.pass_context
def _moment(context: jinja2.runtime.Context, value: dt.datetime | None) -> str:
    if value is None:
        return "–"
    return format_datetime(value, "short", tzinfo=ZONE, locale=babel_locale(context["locale"]))


def bold_markup(text: str) -> Markup:
    """Content text as the bot shows it: escaped, with its **bold** marks as <strong>."""
    return Markup(BOLD.sub(r"<strong>\1</strong>", str(escape(text))))


def see_other(location: str) -> web.HTTPSeeOther:
    """A redirect after a form (303), with the console's headers."""
    return web.HTTPSeeOther(location, headers=HEADERS)


class Console:
    """Everything the console's pages work with, and the template renderer."""

    def __init__(
        self, database: Database, content: Content, settings: Settings, admin: AdminSettings
    ) -> None:
        self.database = database
        self.content = content
        self.settings = settings
        self.admin = admin
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
            undefined=jinja2.StrictUndefined,
        )
        self.templates.filters.update(
            number=_number, percent=_percent, day=_day, moment=_moment, bold=bold_markup
        )

    def catalog(self, locale: str) -> gettext.NullTranslations:
        """The interface strings of a language."""
        return translations(self.settings.locales_dir, locale)

    def locale_of(self, request: web.Request) -> str:
        """The visitor's language: `?lang=`, else the one they chose before, else the
        browser's, else the default."""
        locales = self.content.locales
        for wanted in (request.query.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
            if wanted in locales:
                return str(wanted)
        accept = request.headers.get("Accept-Language", "").lower()
        for locale in locales:
            if accept.startswith(locale):
                return locale
        return self.settings.default_locale

    def render(
        self,
        request: web.Request,
        template: str,
        locale: str,
        visit: object | None = None,
        status: int = 200,
        **values: Any,
    ) -> web.Response:
        """A page in `locale` with the console's headers; a `?lang=` choice is remembered.
        `visit` (a `sections.Visit`, None on the sign-in page) is for the template."""
        catalog = self.catalog(locale)
        # Rendering is synchronous: no other request can swap the catalog mid-render.
        self.templates.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
        html = self.templates.get_template(template).render(
            locale=locale,
            visit=visit,
            path=request.path,
            query=request.query_string,
            other_locales=[code for code in self.content.locales if code != locale],
            language_names=self.content.language_names,
            role_names=ROLE_NAMES,
            **values,
        )
        response = web.Response(text=html, content_type="text/html", status=status, headers=HEADERS)
        if request.query.get("lang") == locale:
            response.set_cookie(
                LANGUAGE_COOKIE,
                locale,
                path="/admin",
                max_age=365 * 24 * 3600,
                httponly=True,
                samesite="Strict",
                secure=self.admin.https,
            )
        return response
