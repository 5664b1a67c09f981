"""Reply pieces more than one flow uses: menus, topic answers, the province question."""

from __future__ import annotations

from bot.content import MenuSection, Topic
from bot.context import Context
from bot.messages import Button, Link
from bot.state import Awaiting
from handlers.actions import (
    ChooseLanguage,
    ChooseProvince,
    MainMenu,
    Pending,
    RateAnswer,
    ResumeGuide,
    ShowSection,
    ShowTopic,
    TalkToSupport,
)


def campaign_note(ctx: Context) -> str | None:
    """The one line that says the campaign is over (PC-Covid replaced the apps), if it is."""
    campaign = ctx.content.campaign
    if campaign is None or not campaign.archived or campaign.note is None:
        return None
    return campaign.note.get(ctx.locale)


async def sharer_code(ctx: Context) -> str | None:
    """The person's referral code when they are an active volunteer (their shared links then
    count for them), else None. Only volunteers cost a look-up."""
    if ctx.person.role != "volunteer" or ctx.storage is None:
        return None
    from bot.volunteers.store import volunteer_of

    volunteer = await ctx.storage.call(volunteer_of, ctx.person.id)
    return volunteer.referral_code if volunteer and volunteer.status == "active" else None


def menu_button(ctx: Context) -> Button:
    """A button back to the main menu."""
    return Button(ctx._("☰ Main menu"), MainMenu().pack())


def resume_button(ctx: Context) -> Button | None:
    """A button to resume a guide the person left, if there is one."""
    progress = ctx.state.guide
    if progress is None or progress.active:
        return None
    guide = ctx.content.guide(progress.guide)
    if guide is None:
        return None
    label = ctx._("↩ Continue: {guide}").format(guide=guide.title.get(ctx.locale))
    return Button(label, ResumeGuide().pack())


def feedback_buttons(ctx: Context, topic_id: str) -> list[Button]:
    """👍 / 👎 under an answer: was it helpful?"""
    return [
        Button(ctx._("👍 Helpful"), RateAnswer(topic_id, "up").pack()),
        Button(ctx._("👎 Not helpful"), RateAnswer(topic_id, "down").pack()),
    ]


def main_menu_buttons(ctx: Context) -> list[Button]:
    """The main menu: one button per app section, support, language (and resume, if any)."""
    buttons = [
        Button(section.label.get(ctx.locale), ShowSection(section.id).pack())
        for section in ctx.content.menu
    ]
    buttons += [
        Button(ctx._("☎ Talk to support"), TalkToSupport().pack()),
        Button(ctx._("🌐 Language"), ChooseLanguage().pack()),
    ]
    resume = resume_button(ctx)
    if resume is not None:
        buttons.insert(0, resume)
    return buttons


def show_main_menu(ctx: Context, text: str | None = None) -> None:
    """Reply with the main menu."""
    ctx.reply(text or ctx._("What do you need help with?"), main_menu_buttons(ctx))


def show_section(ctx: Context, section: MenuSection) -> None:
    """Reply with a main-menu section (an app): its intro and its topics as buttons."""
    buttons = [
        topic_button(ctx, topic)
        for topic_id in section.topics
        if (topic := ctx.content.topic(topic_id)) is not None
    ]
    ctx.reply(section.intro.get(ctx.locale), [*buttons, menu_button(ctx)])


def topic_button(ctx: Context, topic: Topic) -> Button:
    """A button that answers a topic."""
    return Button(topic.title.get(ctx.locale), ShowTopic(topic.id).pack())


def topic_links(ctx: Context, topic: Topic) -> list[Link]:
    """The official sites a topic points to."""
    links = []
    for site_id in topic.links:
        site = ctx.content.sites.get(site_id)
        if site is not None:
            links.append(Link(site.label.get(ctx.locale), site.url))
    return links


def province_buttons(ctx: Context) -> list[Button]:
    """One button per province with support numbers, "another province" last (any other
    province can still be typed by name)."""
    return [
        Button(province.name.get(ctx.locale), ChooseProvince(province.id).pack())
        for province in sorted(ctx.content.provinces.values(), key=lambda p: p.id == "other")
        if province.hotlines or province.id == "other"
    ]


def ask_province(ctx: Context, pending: Pending) -> None:
    """Ask which province the person is in; `pending` says what to do once they answer."""
    ctx.state.awaiting = Awaiting.PROVINCE
    ctx.state.pending = pending.pack()
    ctx.state.province_asked = True
    ctx.reply(
        ctx._("Which province are you in? I'll give you the right support numbers."),
        province_buttons(ctx),
    )
