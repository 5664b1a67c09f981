"""`install`: the console's routes under `/admin` on the bot's own aiohttp server."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from bot.admin.registry import SECTIONS
from bot.admin.render import HERE, Console, see_other
from bot.admin.sections import Handler, Section, Visit
from bot.admin.security import guard, refuse
from bot.admin.settings import AdminSettings
from bot.admin.signin import login, login_page, logout
from bot.admin.tables import csv_response
from bot.content import Content
from bot.settings import Settings
from bot.storage import Database

CONSOLE_KEY = web.AppKey("admin_console", Console)


async def index(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin`: the first section this account may open."""
    raise see_other(visit.sections[0].path if visit.sections else "/admin/login")


def _exporter(section: Section) -> Handler:
    """The CSV export of one of the section's tables (`.../export/<table>.csv`)."""

    async def export(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
        """The table named in the address, as CSV (404 page when there is none)."""
        assert section.tables is not None
        wanted = request.match_info["table"]
        for table in await section.tables(console, request, visit):
            if table.key == wanted:
                return csv_response(table, f"{section.key}-{table.key}")
        return refuse(console, request, visit.locale, visit, "not-found", status=404)

    return export


def install(app: web.Application, database: Database, content: Content, settings: Settings) -> None:
    """Add the console to the server (its settings are checked here: SettingsError)."""
    console = Console(database, content, settings, AdminSettings.from_env(settings.env))
    app[CONSOLE_KEY] = console
    router = app.router
    router.add_get("/admin/login", partial(login_page, console))
    router.add_post("/admin/login", partial(login, console))
    router.add_post("/admin/logout", guard(console, "operator", logout, SECTIONS))
    router.add_get("/admin", guard(console, "operator", index, SECTIONS))
    for section in SECTIONS:
        for route in section.routes:
            handler = guard(console, section.role, route.handler, SECTIONS)
            router.add_route(route.method, section.path + route.path, handler)
        if section.tables is not None:
            export = guard(console, section.role, _exporter(section), SECTIONS)
            router.add_get(section.path + "/export/{table}.csv", export)
    router.add_static("/admin/static/", HERE / "static")
