"""Typed navigation anywhere in a conversation: back, stop, menu, start over, province,
language ("english please", "tôi muốn đổi sang tiếng anh") and "still not working".

Inside a guide, "xong", "quay lại" and "dừng" belong to the guide (handlers/guide.py runs
first); everywhere else they land here, so a typed word never dead-ends in "I can't help".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.context import Context
from bot.messages import Button
from bot.normalize import plain
from handlers import escalation, faq, guide, start
from handlers.actions import ChooseLanguage, MainMenu, TalkToSupport
from handlers.greeting import welcome
from handlers.replies import ask_province, menu_button, show_main_menu, show_section
from handlers.words import mentions, said

# A language request is short: "english please", "cho tôi dùng tiếng anh đi".
LANGUAGE_REQUEST_WORDS = 8
# "Still not working" only on its own: a longer message is a question of its own.
STILL_FAILING_WORDS = 8
# The ladder after an answer that did not work: a tip (or the guide) first, then a person.
TIPS_BEFORE_PERSON = 1


class Move(enum.Enum):
    """What a typed navigation word asks for."""

    BACK = "back"
    STOP = "stop"
    MENU = "menu"
    START_OVER = "start_over"
    PROVINCE = "province"
    LANGUAGE = "language"
    STILL_FAILING = "still_failing"


@dataclass(frozen=True, slots=True)
class Navigation:
    """A navigation request read from a typed message; `locale` for a named language."""

    move: Move
    locale: str | None = None


def requested_language(ctx: Context) -> str | None:
    """The language a short message asks to switch to, if it asks ("english please")."""
    typed = plain(ctx.text)
    words = typed.split()
    if not words or len(words) > LANGUAGE_REQUEST_WORDS:
        return None
    for locale in ctx.content.locales:
        names = ctx.content.words(f"language_name:{locale}")
        if not mentions(typed, names):
            continue
        only_the_name = typed in {plain(name) for name in names}
        if only_the_name or mentions(typed, ctx.content.words("language_switch")):
            return locale
    return None


def read_navigation(ctx: Context) -> Navigation | None:
    """The navigation request of this typed message, or None when it is something else."""
    for move in (Move.STOP, Move.BACK, Move.MENU, Move.START_OVER, Move.PROVINCE):
        if said(ctx, move.value):
            return Navigation(move)
    locale = requested_language(ctx)
    if locale is not None:
        return Navigation(Move.LANGUAGE, locale)
    if said(ctx, "language"):
        return Navigation(Move.LANGUAGE)
    if len(plain(ctx.text).split()) <= STILL_FAILING_WORDS and said(ctx, "still_failing"):
        return Navigation(Move.STILL_FAILING)
    return None


async def typed_navigation(ctx: Context) -> bool:
    """Text stage: act on a typed navigation word; False when the message is not one."""
    request = read_navigation(ctx)
    if request is None:
        return False
    if request.move is not Move.LANGUAGE:
        # "still not working" typed in a Vietnamese session is answered in English.
        faq.adopt_language(ctx, ctx.understander.entities.read(ctx.text))
    ctx.record("navigation", detail=request.move.value)
    ctx.state.awaiting = None
    ctx.state.pending = None
    move = request.move
    if move is Move.STOP:
        show_main_menu(ctx, ctx._("OK, stopped. What else can I help with?"))
    elif move is Move.MENU:
        show_main_menu(ctx)
    elif move is Move.BACK:
        back(ctx)
    elif move is Move.START_OVER:
        ctx.state.guide = None
        ctx.state.last_topic = None
        ctx.state.misunderstood = 0
        ctx.state.still_failing = 0
        await welcome(ctx)
    elif move is Move.PROVINCE:
        ask_province(ctx, pending=MainMenu())
    elif move is Move.LANGUAGE and request.locale is not None:
        await start.action_language(ctx, ChooseLanguage(request.locale))
    elif move is Move.LANGUAGE:
        await start.action_language(ctx, ChooseLanguage())
    else:
        await still_failing(ctx)
    faq.offer_language(ctx)
    return True


def back(ctx: Context) -> None:
    """Back, outside a guide: the menu of the app the last answer was about."""
    topic = ctx.content.topic(ctx.state.last_topic) if ctx.state.last_topic else None
    section = ctx.content.section(topic.app) if topic is not None else None
    if section is None:
        show_main_menu(ctx)
        return
    show_section(ctx, section)


async def still_failing(ctx: Context) -> None:
    """ "Still not working" after an answer: the guide or a tip first, then a person."""
    topic = ctx.content.topic(ctx.state.last_topic) if ctx.state.last_topic else None
    ctx.state.still_failing += 1
    # Tips are about an app misbehaving; after a rule or a hand-over, only a person helps.
    about_an_app = topic is not None and topic.app in ctx.understander.apps
    if topic is None or not about_an_app or ctx.state.still_failing > TIPS_BEFORE_PERSON:
        ctx.state.still_failing = 0
        await escalation.give_hotlines(ctx, "still_failing")
        return
    if topic.guide is not None and ctx.content.guide(topic.guide) is not None:
        ctx.reply(ctx._("Let's go through it together, one step at a time."))
        await guide.start_guide(ctx, topic.guide, topic.guide_branch)
        return
    ctx.reply(
        ctx._(
            "Let's try this first: check that the phone is online, close the app and open it "
            "again, and check that the app is up to date. Then try once more.\n"
            'If it still does not work, type "still not working" or tap below.'
        ),
        [Button(ctx._("☎ Talk to support"), TalkToSupport().pack()), menu_button(ctx)],
    )
