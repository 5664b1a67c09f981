"""Routes of the web chat: `GET /` (the page), `GET /about`, `POST /api/chat` (one turn), static
files."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.contacts import display_date, hotline_contact
from bot.content import Content, Hotline
from bot.guard.body import BadBody, read_json_object
from bot.guard.flood import retry_after
from bot.guard.refusals import RefusalLog
from bot.guard.requests import client_address
from bot.i18n import translations
from bot.messages import Inbound
from bot.port import Core
from bot.settings import Settings
from channels.web.limits import Flood, WebLimits
from channels.wire import reply_to_json
from handlers.actions import Hello

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION = re.compile(r"[A-Za-z0-9_-]{8,64}")
# A guide or topic id in a shared link (`/?guide=bluezone.install`); the page checks it again.
SHARED_ID = re.compile(r"[a-z0-9_.]{1,60}")
CHANNEL = "web"
MAX_TEXT_CHARS = 20_000
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def contact_json(
    hotline: Hotline, locale: str, content: Content, with_hours: bool = True
) -> dict[str, str]:
    """A hotline as the page's contact card, in `locale`."""
    card = hotline_contact(hotline, locale, content, with_hours)
    return {"name": card.name, "phone": card.phone, "role": card.role, "dial": card.dial}


def about_card(hotline: Hotline, locale: str, content: Content) -> dict[str, str]:
    """A hotline for the /about page: the card, and its office hours on their own line."""
    hours = hotline.hours.get(locale) if hotline.hours is not None else ""
    return {**contact_json(hotline, locale, content, with_hours=False), "hours": hours}


class WebChat:
    """The handlers of the web chat, bound to the core."""

    def __init__(self, engine: Core, settings: Settings, limits: WebLimits | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.flood = Flood(limits or WebLimits.from_env(settings.env or {}))
        self.floods = RefusalLog(log, "web chat")
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
        )

    def _locale(self, request: web.Request) -> str:
        wanted = request.query.get("lang")
        if wanted in self.engine.content.locales:
            return str(wanted)
        accept = request.headers.get("Accept-Language", "")
        if accept.lower().startswith("en"):
            return "en"
        return self.settings.default_locale

    def _render(self, name: str, locale: str, **values: Any) -> web.Response:
        """A template in `locale`, with the operator and the security headers every page has."""
        catalog = translations(self.settings.locales_dir, locale)
        # Rendering is synchronous: no other request can swap the catalog mid-render.
        self.templates.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
        operator = self.engine.content.operator
        html = self.templates.get_template(name).render(
            locale=locale,
            operator_name=operator.name.get(locale) if operator else "",
            operator_url=operator.url if operator else "",
            **values,
        )
        return web.Response(text=html, content_type="text/html", headers=SECURITY_HEADERS)

    async def page(self, request: web.Request) -> web.Response:
        """The chat page, in the visitor's language; `?guide=<id>` or `?topic=<id>` opens one."""
        shared = {
            kind: value
            for kind in ("guide", "topic")
            if (value := request.query.get(kind)) is not None and SHARED_ID.fullmatch(value)
        }
        return self._render(
            "chat.html",
            self._locale(request),
            start_guide=shared.get("guide", ""),
            start_topic=shared.get("topic", "") if "guide" not in shared else "",
        )

    async def about(self, request: web.Request) -> web.Response:
        """Who runs this, what is stored and how to delete it, and every hotline."""
        locale = self._locale(request)
        content = self.engine.content
        provinces = [
            {
                "name": province.name.get(locale),
                "hotlines": [about_card(h, locale, content) for h in province.hotlines],
            }
            for province in content.provinces.values()
            if province.hotlines
        ]
        sites = [{"label": s.label.get(locale), "url": s.url} for s in content.sites.values()]
        sources = [
            {"title": source.title, "date": display_date(source.date), "url": source.url}
            for source in sorted(content.sources.values(), key=lambda source: source.date)
        ]
        campaign = content.campaign
        note = campaign.note.get(locale) if campaign and campaign.archived and campaign.note else ""
        return self._render(
            "about.html",
            locale,
            retention_days=self.settings.message_retention_days,
            provinces=provinces,
            health=contact_json(content.health_hotline, locale, content),
            sites=sites,
            sources=sources,
            campaign_note=note,
        )

    def _support(self, province_id: str | None, locale: str) -> list[dict[str, str]]:
        """The hotlines of the person's province, for the page to show when it cannot connect."""
        province = self.engine.content.province(province_id)
        if province is None:
            return []
        return [contact_json(hotline, locale, self.engine.content) for hotline in province.hotlines]

    async def chat(self, request: web.Request) -> web.Response:
        """One turn: `{"session", "text"}` or `{"session", "action"}` -> `{"replies": [...]}`."""
        address = client_address(request)
        if wait := self.flood.address(address):
            return self._slow_down(address, wait, "too many requests from this address")
        if request.content_type != "application/json":
            return _error(415, "send JSON (Content-Type: application/json)")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _error(413, "the message is too large")
        try:
            body = read_json_object(raw)
        except BadBody as error:
            return _error(400, str(error))
        session, text, action = body.get("session"), body.get("text"), body.get("action")
        if not isinstance(session, str) or not SESSION.fullmatch(session):
            return _error(400, "'session' must be 8-64 characters of A-Z a-z 0-9 _ -")
        if wait := self.flood.session(session):
            return self._slow_down(address, wait, "too many messages from one person")
        if (text is None) == (action is None):
            return _error(400, "send exactly one of 'text' or 'action'")
        if text is not None and not isinstance(text, str):
            return _error(400, "'text' must be a string")
        if action is not None and not isinstance(action, str):
            return _error(400, "'action' must be a string")
        wanted = body.get("locale")
        locale = (
            wanted if isinstance(wanted, str) and wanted in self.engine.content.locales else None
        )
        inbound = Inbound(
            channel=CHANNEL,
            user_id=session,
            text=text[:MAX_TEXT_CHARS] if text is not None else None,
            action=action[:128] if action is not None else None,
            locale=locale,
        )
        if action == Hello().pack():  # a page load: strangers are greeted, not stored
            result = await self.engine.handle_visit(inbound)
        else:
            result = await self.engine.handle_turn(inbound)
        return web.json_response(
            {
                "replies": [reply_to_json(reply) for reply in result.replies],
                "support": self._support(result.province, locale or self.settings.default_locale),
            }
        )

    def _slow_down(self, address: str, wait: float, reason: str) -> web.Response:
        """429: the page says "wait a moment"; the log says it once a minute per address."""
        seconds = retry_after(wait)
        self.floods.refused(address, 429, reason)
        return web.json_response(
            {"error": f"{reason}: wait {seconds} s", "retry_after": seconds},
            status=429,
            headers={"Retry-After": str(seconds)},
        )


# The web chat of a server, for whoever needs its limits (tests set their clock).
WEB_CHAT_KEY = web.AppKey("web_chat", WebChat)


def install_routes(app: web.Application, engine: Core, settings: Settings) -> None:
    """Add the web chat's routes to the server."""
    chat = WebChat(engine, settings)
    app[WEB_CHAT_KEY] = chat
    app.router.add_get("/", chat.page)
    app.router.add_get("/about", chat.about)
    app.router.add_post("/api/chat", chat.chat)
    app.router.add_static("/static/", HERE / "static")
