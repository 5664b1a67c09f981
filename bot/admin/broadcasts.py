"""Broadcasts in the console: the list with progress, one broadcast's report (per channel,
province and reason), a new one with preview and audience count, and pause / resume /
cancel. Everything goes through `bot.broadcasts` (store, compose, reach), as the command line
and the chat flows do; sending stays the sender's job (`helpdesk serve`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.engine import Connection

from bot.admin.broadcast_form import preview, read_form, request_of, schedule
from bot.admin.render import Console, see_other
from bot.admin.sections import Route, Section, Visit
from bot.admin.tables import Column, Table
from bot.broadcasts import ROLES, store
from bot.broadcasts.compose import check_request
from bot.broadcasts.progress import STATES, reason_words
from bot.broadcasts.segments import Segment
from bot.channel_profile import broadcast_text_limit
from bot.i18n import N_
from bot.plugins import profiles
from bot.storage.models import utcnow

LISTED = 50
DELIVERY_STATES = {
    "sent": N_("Sent"),
    "failed": N_("Failed"),
    "skipped": N_("Skipped"),
    "pending": N_("Waiting"),
}
ROLE_WORDS = {
    "citizen": N_("citizens"),
    "volunteer": N_("volunteers"),
    "admin": N_("administrators"),
}


def broadcast_channels() -> list[tuple[str, str]]:
    """(name, label) of the channels that can message people first."""
    return [(p.name, p.label) for p in profiles() if p.can_broadcast]


def audience_words(console: Console, segment: Segment, visit: Visit) -> str:
    """Who a broadcast goes to, in words."""
    _, content, locale = visit.gettext, console.content, visit.locale
    parts: list[str] = []
    place = content.province(segment.province)
    if place is not None:
        parts.append(place.name.get(locale))
    labels = dict(broadcast_channels())
    if segment.channel:
        parts.append(labels.get(segment.channel, segment.channel))
    if segment.locale:
        parts.append(content.language_names.get(segment.locale, segment.locale))
    if segment.role:
        parts.append(_(ROLE_WORDS.get(segment.role, segment.role)))
    if segment.unseen_days is not None:
        parts.append(_("not seen for {days} days").format(days=segment.unseen_days))
    guide = content.guides.get(segment.not_completed_guide or "")
    if guide is not None:
        parts.append(_("did not finish: {guide}").format(guide=guide.title.get(locale)))
    return "; ".join(parts) or _("Everyone")


async def _reports(console: Console) -> list[tuple[store.BroadcastRow, dict[str, Any]]]:
    def read(connection: Connection) -> list[tuple[store.BroadcastRow, dict[str, Any]]]:
        """The newest broadcasts and their reports, in one transaction."""
        rows = store.latest(connection, LISTED)
        return [(row, store.report(connection, row.id) or {}) for row in rows]

    return await console.database.run(read)


async def tables(console: Console, request: web.Request, visit: Visit) -> list[Table]:
    """The list of broadcasts with their progress."""
    _ = visit.gettext
    rows = []
    for row, report in await _reports(console):
        total = report.get("total", 0)
        finished = report.get("sent", 0) + report.get("failed", 0) + report.get("skipped", 0)
        rows.append(
            (
                row.id,
                _(STATES.get(row.state, row.state)),
                audience_words(console, row.segment, visit),
                row.next_run_at,
                row.every or "",
                row.created_by,
                total,
                report.get("sent", 0),
                report.get("failed", 0),
                report.get("skipped", 0),
                report.get("pending", 0),
                finished / total if total else None,
            )
        )
    return [
        Table(
            "broadcasts",
            _("Broadcasts"),
            (
                Column("id", _("No."), "number"),
                Column("state", _("State")),
                Column("audience", _("To")),
                Column("next_run", _("Next run"), "moment"),
                Column("every", _("Repeats (cron)")),
                Column("created_by", _("Created by")),
                Column("total", _("People"), "number"),
                Column("sent", _("Sent"), "number"),
                Column("failed", _("Failed"), "number"),
                Column("skipped", _("Skipped"), "number"),
                Column("waiting", _("Waiting"), "number"),
                Column("progress", _("Progress"), "percent"),
            ),
            rows,
        )
    ]


async def page(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/broadcasts`."""
    found = await _reports(console)
    commands = {
        row.id: [c for c, (states, _t) in store.TRANSITIONS.items() if row.state in states]
        for row, _r in found
    }
    return console.render(
        request,
        "broadcasts.html",
        visit.locale,
        visit,
        section="broadcasts",
        table=(await tables(console, request, visit))[0],
        commands=commands,
        done=request.query.get("done", ""),
    )


async def detail(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/broadcasts/{id}`: the texts, buttons and the report of the current round."""
    _ = visit.gettext
    raw = request.match_info["id"]
    if not raw.isdigit():
        raise web.HTTPNotFound()

    def read(connection: Connection) -> tuple[store.BroadcastRow | None, dict[str, Any] | None]:
        """The broadcast and its report, in one transaction."""
        return store.get(connection, int(raw)), store.report(connection, int(raw))

    row, report = await console.database.run(read)
    if row is None or report is None:
        raise web.HTTPNotFound()
    words = reason_words()
    reasons = Table(
        "reasons",
        _("Not sent, by reason"),
        (Column("reason", _("Reason")), Column("people", _("People"), "number")),
        [(_(words[r]) if r in words else r, n) for r, n in sorted(report["reasons"].items())],
    )
    states = tuple(DELIVERY_STATES)
    columns = tuple(Column(s, _(DELIVERY_STATES[s]), "number") for s in states)
    channels = Table(
        "channels",
        _("Per channel"),
        (Column("channel", _("Channel")), *columns),
        [(c, *(n.get(s, 0) for s in states)) for c, n in sorted(report["by_channel"].items())],
    )
    content = console.content
    provinces = Table(
        "provinces",
        _("Per province"),
        (Column("province", _("Province")), *columns),
        [
            (
                p.name.get(visit.locale) if (p := content.province(k)) else k,
                *(n.get(s, 0) for s in states),
            )
            for k, n in sorted(report["by_province"].items())
        ],
    )
    return console.render(
        request,
        "broadcast.html",
        visit.locale,
        visit,
        section="broadcasts",
        row=row,
        report=report,
        state=_(STATES.get(row.state, row.state)),
        audience=audience_words(console, row.segment, visit),
        tables=[channels, provinces, reasons],
        commands=[c for c, (allowed, _t) in store.TRANSITIONS.items() if row.state in allowed],
        created=request.query.get("created") == "1",
    )


def _choices(console: Console, visit: Visit) -> dict[str, Any]:
    _, content, locale = visit.gettext, console.content, visit.locale
    return {
        "channels": broadcast_channels(),
        "provinces": sorted(
            ((p.id, p.name.get(locale)) for p in content.provinces.values()), key=lambda x: x[1]
        ),
        "locales": [(code, content.language_names.get(code, code)) for code in content.locales],
        "roles": [(role, _(ROLE_WORDS.get(role, role))) for role in ROLES],
        "guides": [(g.id, g.title.get(locale)) for g in content.guides.values()],
        "topics": [
            (t.id, t.title.get(locale)) for t in content.topics.values() if t.flow == "answer"
        ],
    }


async def new(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/broadcasts/new` and `POST` (`intent`: preview, or create)."""
    _ = visit.gettext
    form = read_form(visit.form)
    values: dict[str, Any] = {
        "form": form,
        "problems": [],
        "preview": None,
        **_choices(console, visit),
    }
    if request.method == "POST":
        now = utcnow()
        asked, found = request_of(form)
        first, until, timing = schedule(form, now)
        channels = [name for name, _label in broadcast_channels()]
        problems, buttons = check_request(
            console.content, asked, broadcast_text_limit(profiles()), channels
        )
        values["problems"] = [_(problem) for problem in found + timing] + problems
        if not values["problems"]:
            if visit.form.get("intent") == "create":
                identifier = await console.database.run(
                    store.create,
                    dict(asked.texts),
                    asked.segment,
                    first,
                    asked.every,
                    until,
                    buttons,
                    created_by=f"admin:{visit.account.name}",
                )
                raise see_other(f"/admin/broadcasts/{identifier}?created=1")
            values["preview"] = await console.database.run(
                preview, console.content, asked, buttons, now, visit.gettext, visit.locale
            )
            values["audience"] = audience_words(console, asked.segment, visit)
    status = 422 if values["problems"] else 200
    return console.render(
        request,
        "broadcast_new.html",
        visit.locale,
        visit,
        status=status,
        section="broadcasts",
        **values,
    )


async def change(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`POST /admin/broadcasts/{id}/{pause|resume|cancel}`."""
    raw, command = request.match_info["id"], request.match_info["command"]
    if not raw.isdigit() or command not in store.TRANSITIONS:
        raise web.HTTPNotFound()
    state = await console.database.run(store.change_state, int(raw), command)
    raise see_other(f"/admin/broadcasts?done={command if state else 'nothing'}")


SECTION = Section(
    key="broadcasts",
    title=N_("Broadcasts"),
    role="admin",
    routes=(
        Route("GET", "", page),
        Route("GET", "/new", new),
        Route("POST", "/new", new),
        Route("GET", "/{id:\\d+}", detail),
        Route("POST", "/{id:\\d+}/{command}", change),
    ),
    tables=tables,
)
