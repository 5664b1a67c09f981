"""Helpers of the admin console tests: an app with the console, accounts, signing in, and
reading forms' CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from bot.admin import passwords
from bot.admin.accounts import Role, create_account
from bot.admin.passwords import hash_password
from bot.admin.web import install
from bot.content import Content
from bot.engine import Engine
from bot.settings import Settings

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]  # aiohttp_client(app, headers=...)
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Argon2 with the smallest costs, so that tests signing in many times stay fast (the
    shipped costs are checked on their own in test_admin_console_cli.py)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "hasher", lambda: cheap)
    passwords.decoy_hash.cache_clear()
    yield
    passwords.decoy_hash.cache_clear()


def console_app(
    engine: Engine, settings: Settings, content: Content | None = None
) -> web.Application:
    """A web application with only the console on it (as `helpdesk serve` adds it)."""
    app = web.Application(client_max_size=64 * 1024)
    install(app, engine.database, content or engine.content, settings)
    return app


def settings_with(settings: Settings, **env: str) -> Settings:
    """The settings with more environment variables (the console reads its own from there)."""
    return Settings.from_env({**(settings.env or {}), "DATABASE_URL": settings.database_url, **env})


def with_content_dir(settings: Settings, folder: Path) -> Settings:
    """The settings with another content folder."""
    return settings_with(settings, CONTENT_DIR=str(folder))


async def add_account(engine: Engine, name: str, role: Role = "admin") -> int:
    """Create an account with PASSWORD."""
    made = await engine.database.run(create_account, name, hash_password(PASSWORD), role)
    assert made is not None
    return made


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(
    client: Client, name: str, password: str = PASSWORD, follow: bool = False
) -> ClientResponse:
    """Open the sign-in page and send the form; the response (a 303 when it worked)."""
    page = await client.get("/admin/login")
    form = {"csrf_token": csrf_of(await page.text()), "name": name, "password": password}
    return await client.post("/admin/login", data=form, allow_redirects=follow)


async def post_form(
    client: Client, page: str, action: str, data: Mapping[str, str]
) -> ClientResponse:
    """Open `page`, then post `data` to `action` with the page's CSRF token (no redirects)."""
    opened = await client.get(page)
    assert opened.status == 200, await opened.text()
    form = {"csrf_token": csrf_of(await opened.text()), **data}
    return await client.post(action, data=form, allow_redirects=False)
