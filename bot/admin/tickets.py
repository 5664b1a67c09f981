"""The tickets section (live support, bot/tickets): for operators and admins.

The list (open tickets first; `?state=closed` or `all`), one ticket with its conversation
and where each answer stands (delivered, waiting, or why it did not reach the citizen), a
reply form and a close button. A reply written here is relayed like one written in the
operators' Telegram group: to the citizen on their channel, and posted to the group so the
other operators see it. The citizen sees the account's name as the operator's name, so name
operators' accounts by their first name. The CSV export is the list as shown.
"""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from bot.admin.render import Console, see_other
from bot.admin.sections import Route, Section, Visit
from bot.admin.tables import Cell, Column, Table
from bot.i18n import N_
from bot.tickets import queries
from bot.tickets.keys import SUPPORT_KEY
from bot.tickets.model import MessageView, TicketState, TicketView
from bot.tickets.render import REASONS, DeskWords
from bot.tickets.service import LiveSupport

SHOWN = 300
FILTERS: dict[str, tuple[TicketState, ...]] = {
    "open": ("waiting", "taken"),
    "closed": ("closed",),
    "all": ("waiting", "taken", "closed"),
}
STATES = {"waiting": N_("waiting"), "taken": N_("taken"), "closed": N_("closed")}
MAX_REPLY = 2000


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite gives naive UTC times
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _support(request: web.Request) -> LiveSupport:
    support = request.app.get(SUPPORT_KEY)
    if support is None:
        raise web.HTTPNotFound()
    return support


def _words(support: LiveSupport, visit: Visit) -> DeskWords:
    return DeskWords(visit.gettext, visit.locale, support.content, support.profiles)


def _minutes(ticket: TicketView) -> int | None:
    answered = _aware(ticket.answered_at)
    created = _aware(ticket.created_at)
    if answered is None or created is None:
        return None
    return max(0, int((answered - created).total_seconds() // 60))


async def tables(console: Console, request: web.Request, visit: Visit) -> list[Table]:
    """The tickets of the chosen state, newest first."""
    _ = visit.gettext
    support = _support(request)
    words = _words(support, visit)
    shown = request.query.get("state", "open")
    found = await console.database.run(queries.list_tickets, FILTERS.get(shown, FILTERS["open"]))
    solved = {True: _("yes"), False: _("no"), None: None}
    rows: list[tuple[Cell, ...]] = [
        (
            ticket.id,
            _(STATES[ticket.state]),
            words.channel(ticket.channel),
            province.name.get(visit.locale)
            if (province := support.content.province(ticket.province))
            else None,
            _(REASONS.get(ticket.reason, ticket.reason)),
            ticket.operator,
            _aware(ticket.created_at),
            _minutes(ticket),
            _aware(ticket.closed_at),
            solved[ticket.solved],
        )
        for ticket in found[:SHOWN]
    ]
    columns = (
        Column("id", _("Ticket"), "number"),
        Column("state", _("State")),
        Column("channel", _("Channel")),
        Column("province", _("Province")),
        Column("reason", _("Why")),
        Column("operator", _("Operator")),
        Column("opened", _("Opened"), "moment"),
        Column("answered_minutes", _("First answer after (min)"), "number"),
        Column("closed", _("Closed"), "moment"),
        Column("solved", _("Solved")),
    )
    return [Table("tickets", _("Tickets"), columns, rows)]


async def page(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/tickets` (a note instead when live support is off on this server)."""
    shown = request.query.get("state", "open")
    if request.app.get(SUPPORT_KEY) is None:
        return console.render(
            request, "tickets.html", visit.locale, visit, section="tickets", off=True
        )
    return console.render(
        request,
        "tickets.html",
        visit.locale,
        visit,
        section="tickets",
        off=False,
        table=(await tables(console, request, visit))[0],
        shown=shown if shown in FILTERS else "open",
    )


def _conversation(
    words: DeskWords, visit: Visit, ticket: TicketView, said: list[MessageView]
) -> list[dict[str, object]]:
    """Each message as the page shows it: when, who, what, and where it stands."""
    _ = visit.gettext
    shown: list[dict[str, object]] = []
    for message in said:
        if message.kind == "opened":
            continue
        if message.direction == "citizen":
            who = _("Citizen (before the hand-over)") if message.kind == "context" else _("Citizen")
            text = message.text
        elif message.direction == "operator":
            who = _("{name} (operator)").format(name=message.author or "?")
            text = message.text
        else:
            who, text = _("Helpdesk"), words.message(message, ticket)
        status = None
        match message.to_citizen:
            case "pending":
                status = _("waiting to be sent")
            case "sent":
                status = _("delivered")
            case "skipped" | "failed":
                reason = words.skip_reason(ticket.channel, message.reason)
                status = _("not delivered: {reason}").format(reason=reason)
            case "none":
                pass
        shown.append(
            {
                "at": _aware(message.created_at),
                "who": who,
                "text": text,
                "status": status,
                "direction": message.direction,
            }
        )
    return shown


async def detail(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/tickets/{id}`: one ticket and its conversation."""
    support = _support(request)
    ticket_id = request.match_info["id"]
    ticket = await console.database.run(queries.load_ticket, int(ticket_id))
    if ticket is None:
        raise web.HTTPNotFound()
    said = await console.database.run(queries.messages, ticket.id)
    words = _words(support, visit)
    outside = not support.settings.hours.is_open(ticket.created_at)
    return console.render(
        request,
        "ticket.html",
        visit.locale,
        visit,
        section="tickets",
        ticket=ticket,
        card=words.card(ticket, said, outside).text,
        conversation=_conversation(words, visit, ticket, said),
        done=request.query.get("done", ""),
        max_reply=MAX_REPLY,
    )


async def reply(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`POST /admin/tickets/{id}/reply`: an answer for the citizen."""
    support = _support(request)
    ticket_id = int(request.match_info["id"])
    text = visit.form.get("text", "").strip()[:MAX_REPLY]
    if not text:
        raise see_other(f"/admin/tickets/{ticket_id}?done=empty")
    change = await support.reply(ticket_id, visit.account.name, text)
    raise see_other(f"/admin/tickets/{ticket_id}?done={'replied' if change == 'done' else change}")


async def close(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`POST /admin/tickets/{id}/close`."""
    support = _support(request)
    ticket_id = int(request.match_info["id"])
    change = await support.close(ticket_id, visit.account.name)
    raise see_other(f"/admin/tickets/{ticket_id}?done={'closed' if change == 'done' else change}")


SECTION = Section(
    key="tickets",
    title=N_("Tickets"),
    role="operator",
    routes=(
        Route("GET", "", page),
        Route("GET", r"/{id:\d{1,12}}", detail),
        Route("POST", r"/{id:\d{1,12}}/reply", reply),
        Route("POST", r"/{id:\d{1,12}}/close", close),
    ),
    tables=tables,
)
