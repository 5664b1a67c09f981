"""Greeting, main menu, menu sections, province and language, and /start deep links."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Button
from bot.normalize import plain
from bot.share import read_link
from bot.state import Awaiting
from handlers import escalation, faq, guide, volunteer
from handlers.actions import (
    ChooseLanguage,
    ChooseProvince,
    Escalate,
    Hello,
    MainMenu,
    ProvinceRules,
    ShowSection,
    ShowTopic,
    read_pending,
)
from handlers.greeting import welcome
from handlers.replies import (
    ask_province,
    province_buttons,
    show_main_menu,
    show_section,
)
from handlers.subscription import opt_in


async def command_start(ctx: Context, argument: str) -> None:
    """/start, with an optional deep-link payload: guide_<id>, topic_<id>, ref_<code>,
    join_<invitation> or a volunteer's ref_<code>_guide_<id> (bot/share.py)."""
    opt_in(ctx)
    link = read_link(argument)
    if link and link.referral:
        await _referred(ctx, link.referral, f"{link.kind}:{link.item_id}")
    if link:
        kind, item_id = link.kind, link.item_id
        value = item_id
        if kind == "join":
            await volunteer.redeem(ctx, value)
            return
        if kind == "guide" and ctx.content.guide(item_id) is not None:
            ctx.record("deep_link", guide=item_id)
            await guide.start_guide(ctx, item_id, None)
            return
        if kind == "topic" and ctx.content.topic(item_id) is not None:
            ctx.record("deep_link", topic=item_id)
            await faq.answer_topic(ctx, item_id, confidence=None)
            return
        if kind == "ref":
            await _referred(ctx, value, None)
    await welcome(ctx)


async def _referred(ctx: Context, code: str, item: str | None) -> None:
    """A link with a referral code: remembered, and credited to its volunteer (first wins)."""
    if ctx.state.referrer is None:
        ctx.state.referrer = code[:32]
        ctx.record("referred", detail=code[:32])
    await volunteer.attribute(ctx, code, item)


async def action_hello(ctx: Context, _action: Hello) -> None:
    """`hello`: a page (re)opened. A returning person sees where they were, not a fresh menu."""
    if ctx.person.is_new:
        opt_in(ctx)
        await welcome(ctx)
        return
    progress = ctx.state.guide
    if progress is not None and ctx.content.guide(progress.guide) is not None:
        # Paused: a typed "xong" must not move a step the person cannot see any more.
        progress.active = False
        show_main_menu(ctx, ctx._("Welcome back! You were in the middle of a guide."))
        return
    topic = ctx.content.topic(ctx.state.last_topic) if ctx.state.last_topic else None
    if topic is not None and topic.flow == "answer":
        ctx.reply(ctx._("Welcome back! Here is what we were looking at."))
        await faq.answer_topic(ctx, topic.id, confidence=None, record=False)
        return
    show_main_menu(ctx, ctx._("Welcome back! What do you need help with?"))


async def command_menu(ctx: Context, _argument: str) -> None:
    """/menu: the main menu."""
    show_main_menu(ctx)


async def action_menu(ctx: Context, _action: MainMenu) -> None:
    """Main-menu button."""
    show_main_menu(ctx)


async def action_section(ctx: Context, action: ShowSection) -> None:
    """A main-menu section (an app): its intro and its topics as buttons."""
    section = ctx.content.section(action.section)
    if section is None:
        show_main_menu(ctx, ctx._("That menu is out of date. Here is the current one."))
        return
    show_section(ctx, section)


async def command_language(ctx: Context, _argument: str) -> None:
    """/lang: choose the language."""
    await action_language(ctx, ChooseLanguage())


async def action_language(ctx: Context, action: ChooseLanguage) -> None:
    """Show the language choice, or switch to the chosen language."""
    if action.locale in ctx.content.locales:
        ctx.person.locale = action.locale
        ctx.record("language_set", detail=action.locale)
        show_main_menu(ctx, ctx._("I'll speak English from now on."))
        return
    buttons = [
        Button(ctx.content.language_names.get(locale, locale), ChooseLanguage(locale).pack())
        for locale in ctx.content.locales
    ]
    buttons.append(Button(ctx._("📍 Change province"), ChooseProvince().pack()))
    ctx.reply(ctx._("Choose your language:"), buttons)


async def command_province(ctx: Context, _argument: str) -> None:
    """/tinh: change the province."""
    ask_province(ctx, pending=MainMenu())


async def action_province(ctx: Context, action: ChooseProvince) -> None:
    """Ask for the province, or remember the chosen one and carry on."""
    if action.province is None:
        ask_province(ctx, pending=MainMenu())
        return
    province = ctx.content.province(action.province)
    if province is None:
        ctx.reply(
            ctx._("That menu is out of date. Which province are you in?"), province_buttons(ctx)
        )
        return
    await set_province(ctx, province.id)


async def action_province_for_topic(ctx: Context, action: ProvinceRules) -> None:
    """Ask the province, then answer that topic as that province's rules say."""
    topic = ctx.content.topic(action.topic)
    ask_province(ctx, pending=ShowTopic(topic.id) if topic else MainMenu())


async def set_province(ctx: Context, province_id: str) -> None:
    """Remember the province, then do what was waiting for it."""
    ctx.person.province = province_id
    ctx.state.awaiting = None
    pending, ctx.state.pending = read_pending(ctx.state.pending), None
    ctx.record("province_set", detail=province_id)
    province = ctx.content.province(province_id)
    name = province.name.get(ctx.locale) if province else province_id
    match pending:
        case Escalate(reason=reason):
            ctx.reply(ctx._("Saved: {province}.").format(province=name))
            await escalation.give_hotlines(ctx, reason)
            return
        case ShowTopic(topic=topic_id) if ctx.content.topic(topic_id) is not None:
            ctx.reply(ctx._("Saved: {province}.").format(province=name))
            await faq.answer_topic(ctx, topic_id, confidence=None, record=False)
            return
    show_main_menu(
        ctx, ctx._("Saved: {province}. What do you need help with?").format(province=name)
    )


async def awaiting_answer(ctx: Context) -> bool:
    """Text stage: a typed province name while the bot waits for one."""
    if ctx.state.awaiting is not Awaiting.PROVINCE:
        return False
    typed = plain(ctx.text)
    for province in ctx.content.provinces.values():
        names = [*province.name.values.values(), *province.aliases]
        if typed in {plain(name) for name in names}:
            await set_province(ctx, province.id)
            return True
    # Not a province: forget the question and treat the text as a question of its own.
    ctx.state.awaiting = None
    ctx.state.pending = None
    return False
