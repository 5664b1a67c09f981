"""Questions typed in free text: understand, answer, ask which one was meant, or admit it."""

from __future__ import annotations

from dataclasses import replace

from bot.content import Topic
from bot.context import Context
from bot.matcher.entities import Entities
from bot.messages import Button, Contact, Share, Understanding
from handlers import escalation
from handlers.actions import ChooseLanguage, ProvinceRules, ShowTopic, StartGuide
from handlers.fallback import stale_button
from handlers.greeting import welcome
from handlers.replies import (
    campaign_note,
    feedback_buttons,
    main_menu_buttons,
    menu_button,
    resume_button,
    sharer_code,
    topic_button,
    topic_links,
)

MISUNDERSTOOD_BEFORE_ESCALATION = 2


async def understand(ctx: Context) -> bool:
    """Text stage (last): match the question to a topic and act on it."""
    context_app = ctx.state.last_topic.split(".", 1)[0] if ctx.state.last_topic else None
    decision = ctx.understander.understand(ctx.text, context_app)
    entities = decision.entities
    ctx.understanding = Understanding(
        topic=decision.topic,
        confidence=decision.confidence,
        candidates=decision.candidates,
        entities=entities,
    )
    adopt_language(ctx, entities)
    if decision.kind == "answer" and decision.topic is not None:
        await answer_topic(ctx, decision.topic, decision.confidence)
        topic = ctx.content.topic(decision.topic)
        if topic is not None and topic.flow == "answer" and needs_person(entities):
            # Two requests in one ("it's broken, which number?"): the answer, then the people.
            await escalation.give_hotlines(ctx, "asked")
        elif (
            topic is not None
            and topic.flow == "symptoms"
            and entities.wants_person
            and (escalation.named_province(ctx) or ctx.person.province)
        ):
            # The health line came first; the province's own help follows when it is known,
            # without stopping to ask for it.
            await escalation.give_hotlines(ctx, "asked")
    elif decision.kind == "clarify":
        clarify(ctx, decision.options, decision.confidence)
        if needs_person(entities):
            await escalation.give_hotlines(ctx, "asked")
    else:
        await not_understood(ctx, decision.confidence)
    offer_language(ctx)
    return True


def needs_person(entities: Entities) -> bool:
    """The message asks for a number or a person, or says it still fails after trying."""
    return entities.wants_person or entities.still_failing


def adopt_language(ctx: Context, entities: Entities) -> None:
    """Answer in the language the question was written in.

    A new person keeps it; someone who has been talking in another language gets this answer
    in the question's language and a button to switch (`offer_language`).
    """
    lang = entities.lang
    if lang is None or lang not in ctx.content.locales or lang == ctx.person.locale:
        return
    if ctx.person.is_new:
        ctx.person.locale = lang
    else:
        ctx.turn_locale = lang


def offer_language(ctx: Context) -> None:
    """After an answer given in the question's language, offer to keep that language."""
    lang = ctx.turn_locale
    if lang is None or not ctx.replies:
        return
    name = ctx.content.language_names.get(lang, lang)
    offer = Button(
        ctx._("🌐 Continue in {language}").format(language=name), ChooseLanguage(lang).pack()
    )
    last = ctx.replies[-1]
    ctx.replies[-1] = replace(last, buttons=(*last.buttons, offer))


async def action_topic(ctx: Context, action: ShowTopic) -> None:
    """A topic button."""
    topic_id = action.topic
    if ctx.content.topic(topic_id) is None:
        await stale_button(ctx)
        return
    await answer_topic(ctx, topic_id, confidence=None)


async def answer_topic(
    ctx: Context, topic_id: str, confidence: float | None, record: bool = True
) -> None:
    """Answer a topic the way its content says (answer, welcome, help, thanks, escalate).

    `record=False` shows it again without counting it as a question (a reopened page).
    """
    topic = ctx.content.topic(topic_id)
    if topic is None:
        return
    ctx.state.misunderstood = 0
    ctx.state.still_failing = 0
    ctx.state.last_topic = topic.id
    if ctx.state.guide is not None and ctx.state.guide.active:
        ctx.state.guide.active = False  # asking something else leaves the guide; it can resume
    if record:
        ctx.record("understood", topic=topic.id, confidence=confidence)
    if topic.flow == "welcome":
        await welcome(ctx)
        return
    province_id = escalation.named_province(ctx) or ctx.person.province
    if topic.flow == "escalate":
        lead = topic.answer_for(province_id).get(ctx.locale)
        await escalation.give_hotlines(ctx, "asked", lead=lead)
        return
    if topic.flow == "help":
        ctx.reply(topic.answer.get(ctx.locale), main_menu_buttons(ctx))
        return
    entities = ctx.understanding.entities if ctx.understanding else Entities()
    device_answer = topic.device_answers.get(entities.device) if entities.device else None
    text = (device_answer or topic.answer_for(province_id)).get(ctx.locale)
    contacts: list[Contact] = []
    if topic.flow == "symptoms" and entities.urgent:
        text = "\n".join([escalation.urgent_line(ctx), text])
    if topic.health or entities.symptoms:
        contacts.append(escalation.health_contact(ctx))
    if entities.symptoms and not topic.health:
        text = "\n".join([text, escalation.health_line(ctx)])
    note = campaign_note(ctx)
    campaign = ctx.content.campaign
    if note is not None and campaign is not None and topic.id in campaign.topics:
        text = "\n".join([text, note])
    buttons = _answer_buttons(
        ctx, topic, with_guide=device_answer is None, ask_province=bool(topic.variants)
    )
    share = Share("topic", topic.id, topic.title.get(ctx.locale), await sharer_code(ctx))
    ctx.reply(text, buttons, contacts, topic_links(ctx, topic), share)


def _answer_buttons(
    ctx: Context, topic: Topic, with_guide: bool, ask_province: bool
) -> list[Button]:
    """Under an answer: the province's own rules (when unknown), the guide, where to go next,
    the menu, and 👍 / 👎. A keypad phone's answer offers no guide it could not follow."""
    buttons: list[Button] = []
    if ask_province and escalation.named_province(ctx) is None and ctx.person.province is None:
        buttons.append(Button(ctx._("📍 The rules in my province"), ProvinceRules(topic.id).pack()))
    if with_guide and topic.guide is not None and ctx.content.guide(topic.guide) is not None:
        action = StartGuide(topic.guide, topic.guide_branch).pack()
        buttons.append(Button(ctx._("📋 Step-by-step guide"), action))
    resume = resume_button(ctx)
    if resume is not None:
        buttons.append(resume)
    for related_id in topic.related:
        related = ctx.content.topic(related_id)
        if related is not None and related.flow == "answer":
            buttons.append(topic_button(ctx, related))
    return [*buttons, menu_button(ctx), *feedback_buttons(ctx, topic.id)]


def clarify(ctx: Context, options: tuple[str, ...], confidence: float) -> None:
    """Ask which of a few topics was meant, as buttons."""
    ctx.record("clarified", topic=options[0] if options else None, confidence=confidence)
    buttons = [
        topic_button(ctx, topic)
        for topic_id in options
        if (topic := ctx.content.topic(topic_id)) is not None
    ]
    ctx.reply(ctx._("Which one do you mean?"), [*buttons, menu_button(ctx)])


def known_apps(ctx: Context) -> str:
    """What the helpdesk knows, from the content's menu ("Bluezone, NCOVI ..., QR check-in"),
    so that a deployment that adds an app does not have to change an interface string."""
    labels = [
        section.label.get(ctx.locale).split(" ", 1)[-1].strip() for section in ctx.content.menu
    ]
    return ", ".join(label for label in labels if label)


async def not_understood(ctx: Context, confidence: float) -> None:
    """Say so honestly; the second time in a row, give the hotline instead of guessing again."""
    ctx.state.misunderstood += 1
    ctx.record("not_understood", confidence=confidence)
    if ctx.state.misunderstood >= MISUNDERSTOOD_BEFORE_ESCALATION:
        ctx.state.misunderstood = 0
        await escalation.give_hotlines(ctx, "not_understood")
        return
    entities = ctx.understanding.entities if ctx.understanding else Entities()
    other_app = next((app for app in entities.apps if app not in ctx.understander.apps), None)
    known = known_apps(ctx)
    if other_app is not None:
        text = ctx._(
            "Sorry, I can't help with {app}: I only know {known}. "
            "For {app}, please look at the help inside that app."
        ).format(app=ctx.content.words(f"other_app:{other_app}")[0], known=known)
    else:
        text = ctx._(
            "Sorry, I can't help with that. I know about {known}. "
            'Try a few words such as "cài Bluezone", or choose below.'
        ).format(known=known)
    ctx.reply(text, main_menu_buttons(ctx))
