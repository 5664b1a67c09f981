"""The console's sections: each says who may open it, its routes and its tables.

A section is a module of `bot/admin/` exporting `SECTION`; `registry.py` lists them in menu
order. Each route's handler gets the console, the request and the visit (who is signed in,
their CSRF token and language); signing in, roles and CSRF checks are done before it runs
(`security.guard`). The tickets section (`tickets.py`) is one such module: replacing it is
all it takes to add the tickets pages, for operators and admins.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from aiohttp import web

from bot.admin.accounts import Account, Role
from bot.admin.tables import Table

if TYPE_CHECKING:
    from bot.admin.render import Console

Method = Literal["GET", "POST"]


@dataclass(frozen=True)
class Visit:
    """Who is signed in on this request, the CSRF token their forms carry, their language
    and the sections they may open (for the menu)."""

    account: Account
    csrf: str
    locale: str
    gettext: Callable[[str], str]
    sections: tuple[Section, ...] = ()
    form: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[["Console", web.Request, Visit], Awaitable[web.StreamResponse]]
TableBuilder = Callable[["Console", web.Request, Visit], Awaitable[list[Table]]]


@dataclass(frozen=True)
class Route:
    """A route of a section: `path` is appended to `/admin/<section key>`."""

    method: Method
    path: str
    handler: Handler


@dataclass(frozen=True)
class Section:
    """A page of the console in the menu. `role` is the least role that may open it:
    "operator" (every account) or "admin" (admins only). `tables` builds the tables its
    main page shows, for the CSV export."""

    key: str
    title: str  # an N_() msgid
    role: Role
    routes: tuple[Route, ...]
    tables: TableBuilder | None = None

    @property
    def path(self) -> str:
        """The address of the section's main page."""
        return f"/admin/{self.key}"


def may_open(account: Account, role: Role) -> bool:
    """Admins open everything; operators only what operators may open."""
    return account.role == "admin" or role == "operator"
