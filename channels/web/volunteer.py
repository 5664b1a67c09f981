"""A volunteer's personal page, `GET /v/{token}`: the people who started through their links
and who completed a guide, by week; their share links for every guide; and the guide's
poster as PNG or PDF (`/v/{token}/poster/{guide}.png|.pdf`).

The token is the secret of the volunteer's personal link (not the public referral code), so
the page shows only this volunteer's own figures and links, never anyone else's. An unknown
token gets the same 404 page as a wrong address. Pages are not cached nor indexed, and send
no referrer (the token is in the address).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
from aiohttp import web
from babel.dates import format_date

from bot.content import Content
from bot.i18n import translations
from bot.settings import Settings
from bot.storage import Database
from bot.volunteers.card import shareable
from bot.volunteers.impact import Impact, impact_for_token
from bot.volunteers.links import SHARED_ID, ItemLinks, ShareLinks
from bot.volunteers.poster import poster_pdf, poster_png, poster_text
from bot.volunteers.store import VolunteerInfo

HERE = Path(__file__).resolve().parent
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}
POSTER_TYPES = {"png": "image/png", "pdf": "application/pdf"}


@dataclass(frozen=True, slots=True)
class SharedGuide:
    """A guide as the volunteer's page lists it: its id, title and links."""

    id: str
    title: str
    links: ItemLinks


class VolunteerPages:
    """The handlers of the volunteer's page and posters."""

    def __init__(self, database: Database, content: Content, settings: Settings) -> None:
        self.database = database
        self.content = content
        self.settings = settings
        self.links = ShareLinks.from_env(settings.env or {})
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
        )

    def _locale(self, request: web.Request) -> str:
        wanted = request.query.get("lang")
        if wanted in self.content.locales:
            return str(wanted)
        if request.headers.get("Accept-Language", "").lower().startswith("en"):
            return "en"
        return self.settings.default_locale

    def _render(self, locale: str, status: int = 200, **values: object) -> web.Response:
        catalog = translations(self.settings.locales_dir, locale)
        self.templates.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
        where = "vi_VN" if locale == "vi" else locale
        html = self.templates.get_template("volunteer.html").render(
            locale=locale, day=lambda value: format_date(value, "medium", locale=where), **values
        )
        return web.Response(text=html, content_type="text/html", status=status, headers=HEADERS)

    async def _volunteer(self, request: web.Request) -> tuple[VolunteerInfo, Impact] | None:
        token = request.match_info["token"]
        if not TOKEN.match(token):
            return None
        found: tuple[VolunteerInfo, Impact] | None = await self.database.run(
            impact_for_token, token
        )
        if found is None or found[0].referral_code is None:
            return None
        return found

    def _not_found(self, locale: str) -> web.Response:
        return self._render(locale, status=404, volunteer=None)

    async def page(self, request: web.Request) -> web.Response:
        """`GET /v/{token}`: the volunteer's impact by week, share links and posters."""
        locale = self._locale(request)
        found = await self._volunteer(request)
        if found is None:
            return self._not_found(locale)
        volunteer, impact = found
        code = volunteer.referral_code
        guides = [
            SharedGuide(g.id, g.title.get(locale), self.links.item("guide", g.id, code))
            for g in self.content.guides.values()
        ]
        return self._render(
            locale,
            volunteer=volunteer,
            impact=impact,
            guides=guides,
            token=request.match_info["token"],
        )

    async def poster(self, request: web.Request) -> web.Response:
        """`GET /v/{token}/poster/{guide}.png|.pdf`: an A4 poster with the volunteer's link."""
        locale = self._locale(request)
        found = await self._volunteer(request)
        guide, form = request.match_info["guide"], request.match_info["format"]
        item = shareable(self.content, "guide", guide, locale) if SHARED_ID.match(guide) else None
        if found is None or item is None or found[0].referral_code is None:
            return self._not_found(locale)
        code = found[0].referral_code
        link = self.links.item("guide", item.item_id, code).web
        operator = self.content.operator
        catalog = translations(self.settings.locales_dir, locale)
        text = poster_text(
            item, link, code, operator.name.get(locale) if operator else "", catalog.gettext
        )
        draw = poster_pdf if form == "pdf" else poster_png
        body = await asyncio.to_thread(draw, text)
        name = f"poster-{item.item_id.replace('.', '-')}-{code}.{form}"
        return web.Response(
            body=body,
            content_type=POSTER_TYPES[form],
            headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
        )


def install_volunteer_pages(
    app: web.Application, database: Database, content: Content, settings: Settings
) -> None:
    """Add `/v/{token}` and its posters to the server."""
    pages = VolunteerPages(database, content, settings)
    app.router.add_get("/v/{token}", pages.page)
    app.router.add_get("/v/{token}/poster/{guide}.{format:png|pdf}", pages.poster)
