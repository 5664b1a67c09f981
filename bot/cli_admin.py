"""`helpdesk admin ...`: accounts of the admin console (create, list, delete, set password).

Passwords are asked twice with getpass on a terminal; otherwise two lines are read from
standard input, so that accounts can be created by a script:
`printf '%s\\n%s\\n' "$PW" "$PW" | helpdesk admin create-user alice`.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from bot.settings import Settings, SettingsError

if TYPE_CHECKING:  # the parser is built for every command; the machinery loads when used
    from bot.storage import Database

ROLE_CHOICES = ("admin", "operator")


class Refused(Exception):
    """The command cannot do what was asked; the message says why."""


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `admin` and its subcommands to the CLI."""
    admin = commands.add_parser("admin", help="accounts of the admin console (/admin)")
    sub = admin.add_subparsers(dest="admin_command", required=True)
    create = sub.add_parser(
        "create-user", help="create an account; the password is asked twice (or read from stdin)"
    )
    create.add_argument("name")
    create.add_argument(
        "--role",
        choices=ROLE_CHOICES,
        default="admin",
        help="admin: every page; operator: tickets only (default: admin)",
    )
    sub.add_parser("list-users", help="the accounts, their roles and last sign-in")
    delete = sub.add_parser("delete-user", help="delete an account and sign it out")
    delete.add_argument("name")
    password = sub.add_parser("set-password", help="change a password and sign the account out")
    password.add_argument("name")
    admin.set_defaults(run=lambda args: run(args, sys.stdin, sys.stdout))


def read_new_password(stdin: TextIO, ask: Callable[[str], str] = getpass.getpass) -> str:
    """The new password, typed twice: with getpass on a terminal, else two lines of stdin.

    Raises Refused when the two differ or the password is too weak.
    """
    from bot.admin.passwords import password_problem

    if stdin.isatty():
        first, second = ask("Password: "), ask("Password again: ")
    else:
        first, second = stdin.readline().rstrip("\r\n"), stdin.readline().rstrip("\r\n")
    if first != second:
        raise Refused("the two passwords differ")
    problem = password_problem(first)
    if problem is not None:
        raise Refused(problem)
    return first


async def _with_database(settings: Settings, work: Callable[[Database], Any]) -> Any:
    from bot.storage import Database

    database = Database(settings.database_url)
    try:
        await database.upgrade()
        return await work(database)
    finally:
        await database.dispose()


async def _run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> None:
    from bot.admin import accounts
    from bot.admin.passwords import hash_password

    settings = Settings.from_env()
    command = args.admin_command
    if command == "list-users":
        found: list[accounts.Account] = await _with_database(
            settings, lambda database: database.run(accounts.list_accounts)
        )
        for account in found:
            last = (
                account.last_login_at.isoformat(timespec="minutes")
                if account.last_login_at
                else "never"
            )
            created = account.created_at.date().isoformat()
            print(
                f"{account.name:<24} {account.role:<9} created {created}  last sign-in {last}",
                file=stdout,
            )
        if not found:
            print("no accounts yet: helpdesk admin create-user NAME", file=stdout)
        return
    if command == "delete-user":
        if not await _with_database(
            settings, lambda database: database.run(accounts.delete_account, args.name)
        ):
            raise Refused(f"there is no account {accounts.normal_name(args.name)!r}")
        print(f"deleted {accounts.normal_name(args.name)}", file=stdout)
        return
    problem = accounts.name_problem(args.name)
    if problem is not None:
        raise Refused(problem)
    name = accounts.normal_name(args.name)
    hashed = hash_password(read_new_password(stdin))
    if command == "create-user":
        role = accounts.role_of(args.role)
        if (
            await _with_database(
                settings, lambda database: database.run(accounts.create_account, name, hashed, role)
            )
            is None
        ):
            raise Refused(f"the name {name!r} is taken")
        print(f"created {name} ({role}); sign in at /admin", file=stdout)
    elif command == "set-password":
        if not await _with_database(
            settings, lambda database: database.run(accounts.set_password_hash, name, hashed)
        ):
            raise Refused(f"there is no account {name!r}")
        print(f"password changed for {name}; its sessions were closed", file=stdout)


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    """Run an `admin` subcommand; 0 when done, 1 when refused (the reason on stderr)."""
    try:
        asyncio.run(_run(args, stdin, stdout))
    except Refused as refusal:
        print(f"helpdesk admin: {refusal}", file=sys.stderr)
        return 1
    except SettingsError as error:
        print(f"helpdesk: configuration error: {error}", file=sys.stderr)
        return 1
    return 0
