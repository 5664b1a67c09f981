"""Signing in and out of the console.

The sign-in form carries a CSRF token too, bound to a short-lived random cookie set with
the form (so another site cannot sign a browser in to an account of its choosing). Failed
attempts are limited per account name and per client address (`sessions.py`); the error
never says whether the account exists, and a wrong name costs the same password hash as a
wrong password.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from aiohttp import web

from bot.admin import sessions
from bot.admin.accounts import credentials
from bot.admin.passwords import MAX_LENGTH, decoy_hash, verify_password
from bot.admin.render import HEADERS, Console, see_other
from bot.admin.sections import Visit
from bot.admin.security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    forget_cookie,
    set_cookie,
    signed_in,
)
from bot.guard.requests import client_address
from bot.storage.models import utcnow

log = logging.getLogger(__name__)

FORM_COOKIE = "helpdesk_admin_login"
FORM_LIFETIME = dt.timedelta(hours=1)
LOGIN_PURPOSE = "login"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console address, never another site."""
    target = target or ""
    unsafe = "//" in target or "\\" in target or target.startswith("/admin/login")
    return target if target.startswith("/admin") and not unsafe else "/admin"


def _form_page(
    console: Console, request: web.Request, status: int = 200, error: str = "", name: str = ""
) -> web.Response:
    """The sign-in form, with a fresh form cookie when the browser has none."""
    nonce = request.cookies.get(FORM_COOKIE) or sessions.new_token()
    response = console.render(
        request,
        "login.html",
        console.locale_of(request),
        status=status,
        csrf=sessions.csrf_token(nonce, LOGIN_PURPOSE),
        error=error,
        name=name,
        next=safe_next(request.query.get("next")),
    )
    set_cookie(console, response, FORM_COOKIE, nonce, FORM_LIFETIME)
    return response


async def login_page(console: Console, request: web.Request) -> web.StreamResponse:
    """`GET /admin/login`."""
    if await signed_in(console, request) is not None:
        raise see_other("/admin")
    return _form_page(console, request)


async def login(console: Console, request: web.Request) -> web.StreamResponse:
    """`POST /admin/login`: check the form token, the limits, then the password."""
    posted = await request.post()
    form = {key: value for key, value in posted.items() if isinstance(value, str)}
    nonce = request.cookies.get(FORM_COOKIE, "")
    if not nonce or not sessions.same_token(
        sessions.csrf_token(nonce, LOGIN_PURPOSE), form.get(CSRF_FIELD, "")
    ):
        return console.render(
            request, "refused.html", console.locale_of(request), status=403, why="csrf"
        )
    name, password = form.get("name", "").strip()[:64], form.get("password", "")[: MAX_LENGTH + 1]
    client, now = client_address(request), utcnow()
    database = console.database
    if not await database.run(sessions.sign_in_allowed, name, client, now):
        log.warning("admin console: sign-in refused, too many failures (%s)", client)
        return _form_page(console, request, 429, "too-many", name)
    found = await database.run(credentials, name)
    stored = found[1] if found else decoy_hash()
    matches = await asyncio.to_thread(verify_password, stored, password)
    if found is None or not matches:
        await database.run(sessions.record_failure, name, client, now)
        log.info("admin console: a failed sign-in from %s", client)
        return _form_page(console, request, 401, "wrong", name)
    account = found[0]
    token = sessions.new_token()
    length = console.admin.session_length
    await database.run(sessions.clear_failures, name)
    await database.run(sessions.open_session, account.id, sessions.token_hash(token), now, length)
    log.info("admin console: %s signed in", account.name)
    response = web.HTTPSeeOther(safe_next(form.get("next")), headers=HEADERS)
    set_cookie(console, response, SESSION_COOKIE, token, length)
    forget_cookie(response, FORM_COOKIE)
    raise response


async def logout(console: Console, request: web.Request, _visit: Visit) -> web.StreamResponse:
    """`POST /admin/logout` (guarded: signed in, with the CSRF token)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    await console.database.run(sessions.close_session, sessions.token_hash(token))
    response = web.HTTPSeeOther("/admin/login", headers=HEADERS)
    forget_cookie(response, SESSION_COOKIE)
    raise response
