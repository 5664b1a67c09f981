"""The admin console's doors: signing in and out, the session cookie, CSRF, rate limits
and roles."""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import unquote

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from bot.admin.sessions import MAX_FAILURES_PER_CLIENT, MAX_FAILURES_PER_NAME
from bot.engine import Engine
from bot.settings import Settings
from bot.storage.admin_tables import AdminLoginFailure, AdminSession
from bot.storage.models import utcnow
from tests.admin_console import (
    PASSWORD,
    MakeClient,
    add_account,
    cheap_hashes,  # noqa: F401 (a fixture)
    console_app,
    csrf_of,
    post_form,
    settings_with,
    sign_in,
)

pytestmark = pytest.mark.usefixtures("cheap_hashes")
ENGLISH = {"Accept-Language": "en"}
WRONG = "The name or the password is wrong."
TOO_MANY = "Too many failed attempts"


async def session_hashes(engine: Engine) -> list[str]:
    def read(connection: Connection) -> list[str]:
        return list(connection.execute(select(AdminSession.token_hash)).scalars())

    return await engine.database.run(read)


async def test_signing_in_sets_a_strict_cookie_and_opens_the_dashboard(
    aiohttp_client: MakeClient, any_engine: Engine, settings: Settings
) -> None:
    await add_account(any_engine, "alice")
    client = await aiohttp_client(console_app(any_engine, settings), headers=ENGLISH)

    response = await sign_in(client, "Alice")  # names are not case-sensitive

    assert response.status == 303
    assert response.headers["Location"] == "/admin"
    cookie = next(
        c for c in response.headers.getall("Set-Cookie") if c.startswith("helpdesk_admin=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/admin" in cookie
    assert "Secure" not in cookie  # ADMIN_HTTPS is not set
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    # Only a hash of the token is stored.
    assert await session_hashes(any_engine) == [hashlib.sha256(token.encode()).hexdigest()]
    page = await client.get("/admin")
    assert page.status == 200
    assert str(page.url).endswith("/admin/dashboard")
    assert "<h1>Dashboard</h1>" in await page.text()


async def test_over_https_the_cookies_are_secure(
    aiohttp_client: MakeClient, engine: Engine, settings: Settings
) -> None:
    await add_account(engine, "alice")
    app = console_app(engine, settings_with(settings, ADMIN_HTTPS="1"))
    client = await aiohttp_client(app)
    page = await client.get("/admin/login")
    form_cookie = page.headers["Set-Cookie"]
    assert "Secure" in form_cookie and "HttpOnly" in form_cookie
    # The test server speaks http, so the browser side would not send a Secure cookie back:
    # send it by hand, as a browser on https would.
    nonce = form_cookie.split(";", 1)[0]
    response = await client.post(
        "/admin/login",
        data={"csrf_token": csrf_of(await page.text()), "name": "alice", "password": PASSWORD},
        headers={"Cookie": nonce},
        allow_redirects=False,
    )
    assert response.status == 303
    cookie = next(
        c for c in response.headers.getall("Set-Cookie") if c.startswith("helpdesk_admin=")
    )
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


async def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(
    aiohttp_client: MakeClient, engine: Engine, settings: Settings
) -> None:
    await add_account(engine, "alice")
    client = await aiohttp_client(console_app(engine, settings), headers=ENGLISH)

    wrong_password = await sign_in(client, "alice", "not the password at all")
    unknown_name = await sign_in(client, "mallory", PASSWORD)

    assert wrong_password.status == unknown_name.status == 401
    first, second = await wrong_password.text(), await unknown_name.text()
    assert WRONG in first and WRONG in second
    assert first.replace('value="alice"', "") == second.replace('value="mallory"', "").replace(
        csrf_of(second), csrf_of(first)
    )
    assert await session_hashes(engine) == []


async def test_too_many_failures_for_an_account_are_refused_even_with_the_right_password(
    aiohttp_client: MakeClient, any_engine: Engine, settings: Settings
) -> None:
    await add_account(any_engine, "alice")
    client = await aiohttp_client(console_app(any_engine, settings), headers=ENGLISH)
    for _attempt in range(MAX_FAILURES_PER_NAME):
        assert (await sign_in(client, "alice", "guess guess guess")).status == 401

    refused = await sign_in(client, "alice", PASSWORD)
    assert refused.status == 429
    assert TOO_MANY in await refused.text()
    # The count is in the database: another process (a second console) refuses too.
    other = await aiohttp_client(console_app(any_engine, settings), headers=ENGLISH)
    assert (await sign_in(other, "alice", PASSWORD)).status == 429
    assert await session_hashes(any_engine) == []

    # Once the failures are older than the window, the right password works again.
    await any_engine.database.run(_backdate_failures)
    assert (await sign_in(client, "alice", PASSWORD)).status == 303


def _backdate_failures(connection: Connection) -> None:
    long_ago = utcnow() - dt.timedelta(hours=1)
    connection.execute(update(AdminLoginFailure).values(created_at=long_ago))


async def test_too_many_failures_from_one_address_are_refused_for_every_name(
    aiohttp_client: MakeClient, engine: Engine, settings: Settings
) -> None:
    await add_account(engine, "bob")
    client = await aiohttp_client(console_app(engine, settings), headers=ENGLISH)
    for number in range(MAX_FAILURES_PER_CLIENT):
        assert (await sign_in(client, f"name-{number}", "wrong password here")).status == 401
    refused = await sign_in(client, "bob", PASSWORD)
    assert refused.status == 429


@pytest.mark.parametrize("token", ["", "0" * 64])
async def test_a_form_without_its_csrf_token_is_refused(
    aiohttp_client: MakeClient, engine: Engine, settings: Settings, token: str
) -> None:
    await add_account(engine, "alice")
    client = await aiohttp_client(console_app(engine, settings), headers=ENGLISH)
    await client.get("/admin/login")
    login = await client.post(
        "/admin/login", data={"csrf_token": token, "name": "alice", "password": PASSWORD}
    )
    assert login.status == 403
    assert await session_hashes(engine) == []

    assert (await sign_in(client, "alice")).status == 303
    for action in ("/admin/logout", "/admin/broadcasts/new", "/admin/parked/1/retry"):
        refused = await client.post(action, data={"csrf_token": token, "intent": "create"})
        assert refused.status == 403, action
        assert "did not come from this console" in await refused.text()
    assert len(await session_hashes(engine)) == 1  # the logout was refused too


async def test_signing_out_ends_the_session(
    aiohttp_client: MakeClient, engine: Engine, settings: Settings
) -> None:
    await add_account(engine, "alice")
    client = await aiohttp_client(console_app(engine, settings), headers=ENGLISH)
    await sign_in(client, "alice")

    response = await post_form(client, "/admin/dashboard", "/admin/logout", {})

    assert response.status == 303
    assert response.headers["Location"] == "/admin/login"
    assert await session_hashes(engine) == []
    again = await client.get("/admin/dashboard", allow_redirects=False)
    assert again.status == 303
    assert unquote(again.headers["Location"]) == "/admin/login?next=/admin/dashboard"


async def test_without_a_session_pages_lead_to_the_sign_in_and_forms_are_refused(
    aiohttp_client: MakeClient, engine: Engine, settings: Settings
) -> None:
    client = await aiohttp_client(console_app(engine, settings))
    for page in ("/admin", "/admin/dashboard", "/admin/dashboard/export/daily.csv"):
        response = await client.get(page, allow_redirects=False)
        assert response.status == 303, page
        assert response.headers["Location"].startswith("/admin/login")
    assert (await client.post("/admin/broadcasts/1/cancel", data={})).status == 403


async def test_an_expired_session_no_longer_opens_pages(
    aiohttp_client: MakeClient, engine: Engine, settings: Settings
) -> None:
    await add_account(engine, "alice")
    client = await aiohttp_client(console_app(engine, settings))
    await sign_in(client, "alice")
    assert (await client.get("/admin/dashboard")).status == 200

    def expire(connection: Connection) -> None:
        past = utcnow() - dt.timedelta(minutes=1)
        connection.execute(update(AdminSession).values(expires_at=past))

    await engine.database.run(expire)
    assert (await client.get("/admin/dashboard", allow_redirects=False)).status == 303


async def test_after_signing_in_the_asked_page_opens_but_never_another_site(
    aiohttp_client: MakeClient, engine: Engine, settings: Settings
) -> None:
    await add_account(engine, "alice")
    for asked, landing in (
        ("/admin/feedback?from=2026-01-01", "/admin/feedback?from=2026-01-01"),
        ("//evil.example/admin", "/admin"),
        ("https://evil.example", "/admin"),
    ):
        client = await aiohttp_client(console_app(engine, settings))  # signed out
        page = await client.get("/admin/login", params={"next": asked})
        form = {
            "csrf_token": csrf_of(await page.text()),
            "name": "alice",
            "password": PASSWORD,
            "next": asked,
        }
        response = await client.post("/admin/login", data=form, allow_redirects=False)
        assert response.headers["Location"] == landing


async def test_an_operator_sees_tickets_and_is_refused_the_admin_pages(
    aiohttp_client: MakeClient, engine: Engine, settings: Settings
) -> None:
    await add_account(engine, "olga", role="operator")
    client = await aiohttp_client(console_app(engine, settings), headers=ENGLISH)
    await sign_in(client, "olga")

    home = await client.get("/admin")
    assert str(home.url).endswith("/admin/tickets")
    text = await home.text()
    assert "Tickets" in text
    assert 'href="/admin/dashboard"' not in text  # the menu shows only what she may open
    for page in (
        "/admin/dashboard",
        "/admin/broadcasts",
        "/admin/content",
        "/admin/parked",
        "/admin/feedback",
        "/admin/dashboard/export/daily.csv",
    ):
        response = await client.get(page)
        assert response.status == 403, page
        assert "role cannot open this page" in await response.text()
    token = csrf_of(text)
    refused = await client.post(
        "/admin/broadcasts/new", data={"csrf_token": token, "text_vi": "x", "intent": "create"}
    )
    assert refused.status == 403
