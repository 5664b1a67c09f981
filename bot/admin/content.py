"""Content in the console: topics and guides as the bot shows them, with their sources; the
`helpdesk content check` report; and "add as an example" for an unanswered question, which
writes the content folder's YAML and checks it again.

The running bot keeps the content it loaded at start, and its classifier (`model.npz`) is
fitted offline on the examples: a new example counts once `make train` has refitted it and
the server has been restarted (the page says so).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from bot.admin.examples import ExampleRefused, add_example
from bot.admin.render import Console
from bot.admin.sections import Route, Section, Visit
from bot.admin.tables import Column, Table
from bot.content import Content
from bot.content.check import CheckReport
from bot.content.loader import check_folder
from bot.i18n import N_
from bot.normalize import Normalizer


def _sources(content: Content, ids: tuple[str, ...]) -> list[Any]:
    return [content.sources[i] for i in ids if i in content.sources]


async def tables(console: Console, request: web.Request, visit: Visit) -> list[Table]:
    """The topics and guides."""
    _, content, locale = visit.gettext, console.content, visit.locale
    return [
        Table(
            "topics",
            _("Topics"),
            (
                Column("topic", _("Topic id")),
                Column("title", _("Title")),
                Column("flow", _("Kind")),
                Column("examples_vi", _("Vietnamese examples"), "number"),
                Column("examples_en", _("English examples"), "number"),
                Column("sources", _("Sources")),
            ),
            [
                (
                    t.id,
                    t.title.get(locale),
                    t.flow,
                    len(t.examples.get("vi", ())),
                    len(t.examples.get("en", ())),
                    ", ".join(t.sources),
                )
                for t in content.topics.values()
            ],
        ),
        Table(
            "guides",
            _("Guides"),
            (
                Column("guide", _("Guide id")),
                Column("title", _("Title")),
                Column("branches", _("Branches")),
                Column("steps", _("Steps"), "number"),
                Column("sources", _("Sources")),
            ),
            [
                (
                    g.id,
                    g.title.get(locale),
                    ", ".join(b.label.get(locale) for b in g.branches),
                    max((len(b.steps) for b in g.branches), default=0),
                    ", ".join(g.sources),
                )
                for g in content.guides.values()
            ],
        ),
    ]


async def page(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/content`."""
    return console.render(
        request,
        "content.html",
        visit.locale,
        visit,
        section="content",
        tables=await tables(console, request, visit),
    )


async def topic_page(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/content/topics/{id}`: the answer in each language, per province and phone."""
    content = console.content
    topic = content.topic(request.match_info["id"])
    if topic is None:
        raise web.HTTPNotFound()
    variants = [
        (content.province(v.province), v, _sources(content, v.sources))
        for v in topic.variants.values()
    ]
    return console.render(
        request,
        "topic.html",
        visit.locale,
        visit,
        section="content",
        topic=topic,
        variants=variants,
        sources=_sources(content, topic.sources),
        guide=content.guides.get(topic.guide or ""),
        related=[t for r in topic.related if (t := content.topic(r)) is not None],
        links=[content.sites[s] for s in topic.links if s in content.sites],
    )


async def guide_page(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/content/guides/{id}`: every branch and step."""
    guide = console.content.guides.get(request.match_info["id"])
    if guide is None:
        raise web.HTTPNotFound()
    return console.render(
        request,
        "guide.html",
        visit.locale,
        visit,
        section="content",
        guide=guide,
        sources=_sources(console.content, guide.sources),
    )


async def run_check(console: Console) -> CheckReport:
    """`helpdesk content check` on the content folder (in a thread: it takes a while)."""
    return await asyncio.to_thread(check_folder, console.settings.content_dir)


async def check_page(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/content/check`."""
    return console.render(
        request,
        "content_check.html",
        visit.locale,
        visit,
        section="content",
        report=await run_check(console),
        folder=str(console.settings.content_dir),
    )


def _topic_choices(console: Console, locale: str) -> list[tuple[str, str]]:
    return sorted(
        ((t.id, f"{t.title.get(locale)} ({t.id})") for t in console.content.topics.values()),
        key=lambda x: x[1],
    )


async def example_form(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`GET /admin/content/examples/new?text=...`: choose the topic and language."""
    return console.render(
        request,
        "example_new.html",
        visit.locale,
        visit,
        section="content",
        text=request.query.get("text", "")[:300],
        topics=_topic_choices(console, visit.locale),
        chosen="",
        chosen_locale="vi",
        error="",
    )


async def example_add(console: Console, request: web.Request, visit: Visit) -> web.StreamResponse:
    """`POST /admin/content/examples`: write the example, then run the content check."""
    form = visit.form
    text, topic_id, locale = form.get("text", ""), form.get("topic", ""), form.get("locale", "vi")
    content = console.content
    try:
        if content.topic(topic_id) is None or locale not in content.locales:
            raise ExampleRefused(N_("Choose one of the topics and languages offered."))
        normalizer = Normalizer(content.abbreviations)
        path = await asyncio.to_thread(
            add_example, console.settings.content_dir, topic_id, locale, text, normalizer
        )
    except OSError as failure:
        refusal = ExampleRefused(N_("The file could not be written: {error}"), error=failure)
    except ExampleRefused as refused:
        refusal = refused
    else:
        return console.render(
            request,
            "example_added.html",
            visit.locale,
            visit,
            section="content",
            text=" ".join(text.split()),
            topic=content.topic(topic_id),
            file=path.name,
            report=await run_check(console),
        )
    return console.render(
        request,
        "example_new.html",
        visit.locale,
        visit,
        status=422,
        section="content",
        text=text,
        topics=_topic_choices(console, visit.locale),
        chosen=topic_id,
        chosen_locale=locale,
        error=refusal.explain(visit.gettext),
    )


SECTION = Section(
    key="content",
    title=N_("Content"),
    role="admin",
    routes=(
        Route("GET", "", page),
        Route("GET", "/topics/{id}", topic_page),
        Route("GET", "/guides/{id}", guide_page),
        Route("GET", "/check", check_page),
        Route("GET", "/examples/new", example_form),
        Route("POST", "/examples", example_add),
    ),
    tables=tables,
)
