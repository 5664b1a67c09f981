"""Who may do what: the session cookie, CSRF checks and roles, before any page runs."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from urllib.parse import urlencode

from aiohttp import web

from bot.admin import sessions
from bot.admin.accounts import Account, Role
from bot.admin.render import HEADERS, Console
from bot.admin.sections import Handler, Section, Visit, may_open
from bot.storage.models import utcnow

log = logging.getLogger(__name__)

SESSION_COOKIE = "helpdesk_admin"
CSRF_FIELD = "csrf_token"


def set_cookie(
    console: Console, response: web.StreamResponse, name: str, value: str, lifetime: dt.timedelta
) -> None:
    """A console cookie: HttpOnly, SameSite=Strict, for /admin only, Secure over https."""
    response.set_cookie(
        name,
        value,
        path="/admin",
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=console.admin.https,
    )


def forget_cookie(response: web.StreamResponse, name: str) -> None:
    """Remove a console cookie from the browser."""
    response.del_cookie(name, path="/admin")


async def signed_in(console: Console, request: web.Request) -> tuple[Account, str] | None:
    """The account signed in with this request's cookie and its session token, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 128:
        return None
    account = await console.database.run(
        sessions.session_account, sessions.token_hash(token), utcnow()
    )
    return (account, token) if account is not None else None


def refuse(
    console: Console,
    request: web.Request,
    locale: str,
    visit: Visit | None,
    why: str,
    status: int = 403,
) -> web.Response:
    """The "not allowed" page (403), or "no such page" (404)."""
    return console.render(request, "refused.html", locale, visit, status=status, why=why)


async def _form(request: web.Request) -> dict[str, str]:
    posted = await request.post()
    return {key: value for key, value in posted.items() if isinstance(value, str)}


def guard(
    console: Console, role: Role, handler: Handler, sections: tuple[Section, ...]
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp handler of a console route: signed in (else to the sign-in page), a role
    that may open it (else 403), and on POST the session's CSRF token (else 403)."""

    async def checked(request: web.Request) -> web.StreamResponse:
        """Check the door, then run the page."""
        locale = console.locale_of(request)
        found = await signed_in(console, request)
        if found is None:
            if request.method != "GET":
                return refuse(console, request, locale, None, "signed-out")
            target = request.path_qs if request.path != "/admin" else ""
            query = f"?{urlencode({'next': target})}" if target else ""
            raise web.HTTPSeeOther(f"/admin/login{query}", headers=HEADERS)
        account, token = found
        catalog = console.catalog(locale)
        visit = Visit(
            account=account,
            csrf=sessions.csrf_token(token),
            locale=locale,
            gettext=catalog.gettext,
            sections=tuple(s for s in sections if may_open(account, s.role)),
        )
        if not may_open(account, role):
            log.warning(
                "admin console: %s (%s) refused %s", account.name, account.role, request.path
            )
            return refuse(console, request, locale, visit, "role")
        if request.method == "POST":
            form = await _form(request)
            if not sessions.same_token(visit.csrf, form.get(CSRF_FIELD, "")):
                log.warning("admin console: a form without its CSRF token (%s)", request.path)
                return refuse(console, request, locale, visit, "csrf")
            visit = replace(visit, form=form)
        return await handler(console, request, visit)

    return checked
