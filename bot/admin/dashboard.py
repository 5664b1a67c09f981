"""The dashboard: activity per day (a chart), understood or not, top topics, provinces,
escalations, the unanswered questions and the guide funnels, within a date range and
optionally one province."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy.engine import Connection

from bot.admin import funnels, stats, unanswered
from bot.admin.chart import Series, bar_chart
from bot.admin.period import UNKNOWN_PROVINCE, Filters, read_filters, today
from bot.admin.render import Console, babel_locale
from bot.admin.sections import Route, Section, Visit
from bot.admin.tables import Column, Table
from bot.content import Content
from bot.i18n import N_
from bot.normalize import Normalizer

UNANSWERED_SHOWN = 100
REASONS = {
    "asked": N_("asked for a person or a number"),
    "not_understood": N_("not understood twice in a row"),
    "guide_failed": N_("a guide did not work"),
    "feedback": N_("👎 on an answer"),
    "still_failing": N_("still not working after trying"),
}
OUTCOMES = {
    "understood": N_("understood"),
    "clarified": N_("asked which one was meant"),
    "not_understood": N_("not understood"),
}


@dataclass(frozen=True)
class Collected:
    """Everything the dashboard reads, in one database call."""

    totals: stats.Figures
    daily: list[tuple[dt.date, stats.Figures]]
    understanding: dict[str, int]
    topics: list[tuple[str, int]]
    provinces: list[tuple[str | None, stats.Figures]]
    reasons: list[tuple[str, int]]
    texts: list[tuple[str, dt.datetime]]
    funnels: list[funnels.Funnel]


def collect(connection: Connection, filters: Filters, content: Content) -> Collected:
    """Read every figure of the dashboard."""
    return Collected(
        totals=stats.totals(connection, filters),
        daily=stats.daily(connection, filters),
        understanding=stats.understanding(connection, filters),
        topics=stats.top_topics(connection, filters),
        provinces=stats.per_province(connection, filters),
        reasons=stats.escalation_reasons(connection, filters),
        texts=unanswered.unmatched_texts(connection, filters),
        funnels=funnels.guide_funnels(connection, filters, content),
    )


def filters_of(console: Console, request: web.Request) -> Filters:
    """The page's filters, from its query string."""
    return read_filters(request.query, console.content.provinces, today())


def province_name(
    content: Content, province: str | None, locale: str, _: Callable[[str], str]
) -> str:
    """A province's name in `locale` ("Province not given" for people who never said)."""
    place = content.province(province)
    if place is not None:
        return place.name.get(locale)
    return _("Province not given") if province is None else province


def _topic_title(content: Content, topic_id: str, locale: str) -> str:
    topic = content.topic(topic_id)
    return topic.title.get(locale) if topic is not None else ""


def build_tables(
    data: Collected, content: Content, locale: str, _: Callable[[str], str]
) -> list[Table]:
    """The dashboard's tables, for the page and for CSV."""
    asked = sum(data.understanding.values())
    figures = (
        Column("conversations", _("Conversations"), "number"),
        Column("questions", _("Questions"), "number"),
        Column("not_understood", _("Not understood"), "number"),
        Column("escalations", _("Escalations"), "number"),
    )
    groups = [
        grouped
        for grouped in unanswered.group_questions(data.texts, Normalizer(content.abbreviations))
    ][:UNANSWERED_SHOWN]
    return [
        Table(
            "daily",
            _("Per day"),
            (Column("day", _("Day"), "date"), *figures),
            [
                (day, f.conversations, f.questions, f.not_understood, f.escalations)
                for day, f in data.daily
            ],
        ),
        Table(
            "understanding",
            _("Questions understood and not understood"),
            (
                Column("outcome", _("Outcome")),
                Column("questions", _("Questions"), "number"),
                Column("share", _("Share of questions"), "percent"),
            ),
            [
                (_(OUTCOMES[kind]), count, count / asked if asked else None)
                for kind, count in data.understanding.items()
            ],
        ),
        Table(
            "topics",
            _("Top topics"),
            (
                Column("topic", _("Topic id")),
                Column("title", _("Title")),
                Column("answered", _("Answered"), "number"),
            ),
            [(topic, _topic_title(content, topic, locale), n) for topic, n in data.topics],
        ),
        Table(
            "provinces",
            _("Per province"),
            (Column("province", _("Province id")), Column("name", _("Province")), *figures),
            [
                (
                    p or UNKNOWN_PROVINCE,
                    province_name(content, p, locale, _),
                    f.conversations,
                    f.questions,
                    f.not_understood,
                    f.escalations,
                )
                for p, f in data.provinces
            ],
        ),
        Table(
            "escalations",
            _("Escalations by reason"),
            (Column("reason", _("Reason")), Column("times", _("Times"), "number")),
            [(_(REASONS[r]) if r in REASONS else r, n) for r, n in data.reasons],
        ),
        Table(
            "unanswered",
            _("Unanswered questions"),
            (
                Column("question", _("Question")),
                Column("times", _("Times asked"), "number"),
                Column("last_asked", _("Last asked"), "moment"),
            ),
            [(g.text, g.count, g.last_asked) for g in groups],
        ),
        Table(
            "funnels",
            _("Guide funnels"),
            (
                Column("guide", _("Guide id")),
                Column("title", _("Guide")),
                Column("started", _("Started"), "number"),
                Column("completed", _("Completed"), "number"),
                Column("completion", _("Completion"), "percent"),
                Column("not_working", _("Did not work at the end"), "number"),
                Column("escalated", _("Failed at a step"), "number"),
                Column("without_outcome", _("No outcome recorded"), "number"),
            ),
            [
                (
                    f.guide,
                    content.guides[f.guide].title.get(locale),
                    f.started,
                    f.completed,
                    f.completion,
                    f.not_working,
                    f.escalated,
                    f.without_outcome,
                )
                for f in data.funnels
            ],
        ),
        Table(
            "funnel_steps",
            _("Guide steps"),
            (
                Column("guide", _("Guide id")),
                Column("step", _("Step")),
                Column("failed", _("“It doesn't work” taps"), "number"),
                Column("escalated", _("Failed here (twice)"), "number"),
                Column("stopped", _("Stopped here"), "number"),
            ),
            [
                (f.guide, s.step, s.failed, s.escalated, s.stopped)
                for f in data.funnels
                for s in f.steps
            ],
        ),
    ]


async def _read(
    console: Console, request: web.Request, visit: Visit
) -> tuple[Filters, Collected, list[Table]]:
    filters = filters_of(console, request)
    data = await console.database.run(collect, filters, console.content)
    return filters, data, build_tables(data, console.content, visit.locale, visit.gettext)


async def tables(console: Console, request: web.Request, visit: Visit) -> list[Table]:
    """The dashboard's tables (for CSV)."""
    return (await _read(console, request, visit))[2]


async def page(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/dashboard`."""
    _ = visit.gettext
    filters, data, found = await _read(console, request, visit)
    where = babel_locale(visit.locale)
    chart = bar_chart(
        _("Conversations and questions per day"),
        [format_date(day, "d/M", where) for day, _f in data.daily],
        [
            Series(_("Conversations"), [f.conversations for _d, f in data.daily]),
            Series(_("Questions"), [f.questions for _d, f in data.daily]),
        ],
        lambda n: format_decimal(n, locale=where),
    )
    asked = sum(data.understanding.values())
    provinces = sorted(
        ((p.id, p.name.get(visit.locale)) for p in console.content.provinces.values()),
        key=lambda item: item[1],
    )
    return console.render(
        request,
        "dashboard.html",
        visit.locale,
        visit,
        section="dashboard",
        filters=filters,
        totals=data.totals,
        understood_share=data.understanding["understood"] / asked if asked else None,
        chart=chart,
        tables={table.key: table for table in found},
        funnels=data.funnels,
        guides=console.content.guides,
        provinces=provinces,
        retention_days=console.settings.message_retention_days,
    )


SECTION = Section(
    key="dashboard",
    title=N_("Dashboard"),
    role="admin",
    routes=(Route("GET", "", page),),
    tables=tables,
)
