"""Step-by-step guides: branch choice, steps with Done / It doesn't work / Back / Stop, outcome.

A little over 300 lines because every way through a guide (buttons, typed words, follow-ups
to another branch, resume) moves the same progress, which one module keeps consistent.

Button actions carry the guide, branch and step they were shown for, so a button from an
old message is recognised as out of date instead of moving the wrong guide.
"""

from __future__ import annotations

from dataclasses import replace

from bot.content import Guide, Step
from bot.context import Context
from bot.messages import Button, Share
from bot.state import GuideProgress
from handlers import escalation, setup_report
from handlers.actions import (
    GuideOutcome,
    MainMenu,
    ResumeGuide,
    StartGuide,
    StepButton,
    StepOperation,
)
from handlers.fallback import stale_button
from handlers.faq import answer_topic
from handlers.replies import menu_button, sharer_code, show_main_menu, topic_button
from handlers.words import mentions, said

FAILS_BEFORE_ESCALATION = 2
FOLLOW_UP_CONFIDENCE = 0.5


def _current(ctx: Context) -> tuple[GuideProgress, Guide] | None:
    progress = ctx.state.guide
    if progress is None:
        return None
    guide = ctx.content.guide(progress.guide)
    if guide is None:  # the guide was removed from the content since
        ctx.state.guide = None
        return None
    return progress, guide


async def start_guide(ctx: Context, guide_id: str, branch_id: str | None) -> None:
    """Start a guide from its first step (asking the branch first when there are several)."""
    guide = ctx.content.guide(guide_id)
    if guide is None:
        show_main_menu(ctx, ctx._("That menu is out of date. Here is the current one."))
        return
    branch = guide.branch(branch_id)
    ctx.state.guide = GuideProgress(guide=guide.id, branch=branch.id if branch else None)
    ctx.state.last_topic = guide.topic
    ctx.state.misunderstood = 0
    ctx.record("guide_started", guide=guide.id, detail=branch.id if branch else None)
    intro = guide.intro.get(ctx.locale) if guide.intro else None
    if branch is None:
        _ask_branch(ctx, guide, intro)
    else:
        _show_step(ctx, prefix=intro)
    # The first message of a guide can be passed on (the web page's share button).
    last = ctx.replies[-1]
    title = guide.title.get(ctx.locale)
    ctx.replies[-1] = replace(last, share=Share("guide", guide.id, title, await sharer_code(ctx)))


def _ask_branch(ctx: Context, guide: Guide, prefix: str | None = None) -> None:
    question = guide.question.get(ctx.locale) if guide.question else ""
    buttons = [
        Button(b.label.get(ctx.locale), StartGuide(guide.id, b.id).pack()) for b in guide.branches
    ]
    text = f"{prefix}\n\n{question}" if prefix else question
    ctx.reply(text, [*buttons, Button(ctx._("⏹ Stop"), MainMenu().pack())])


def _step_buttons(ctx: Context, guide: Guide, branch_id: str, step: Step) -> list[Button]:
    labels: tuple[tuple[str, StepOperation], ...] = (
        (ctx._("✅ Done"), "ok"),
        (ctx._("❌ It doesn't work"), "fail"),
        (ctx._("⬅ Back"), "back"),
        (ctx._("⏹ Stop"), "stop"),
    )
    return [
        Button(label, StepButton(guide.id, branch_id, step.id, operation).pack())
        for label, operation in labels
    ]


def _show_step(ctx: Context, prefix: str | None = None) -> None:
    current = _current(ctx)
    if current is None:
        show_main_menu(ctx)
        return
    progress, guide = current
    branch = guide.branch(progress.branch)
    if branch is None:
        _ask_branch(ctx, guide, prefix)
        return
    if progress.step >= len(branch.steps):
        _ask_outcome(ctx, guide)
        return
    step = branch.steps[progress.step]
    header = ctx._("Step {number} of {total}").format(
        number=progress.step + 1, total=len(branch.steps)
    )
    parts = [prefix] if prefix else []
    parts.append(f"**{header}**\n{step.text.get(ctx.locale)}")
    if step.check is not None:
        parts.append(step.check.get(ctx.locale))
    ctx.reply("\n\n".join(parts), _step_buttons(ctx, guide, branch.id, step))


def _ask_outcome(ctx: Context, guide: Guide) -> None:
    ctx.reply(
        ctx._("That was the last step. Did it work?"),
        [
            Button(ctx._("👍 Yes, it works"), GuideOutcome(guide.id, "yes").pack()),
            Button(ctx._("👎 No, it doesn't"), GuideOutcome(guide.id, "no").pack()),
        ],
    )


async def action_start(ctx: Context, action: StartGuide) -> None:
    """Start a guide, or choose its branch."""
    await start_guide(ctx, action.guide, action.branch)


async def action_resume(ctx: Context, _action: ResumeGuide) -> None:
    """Carry on with the guide the person left."""
    current = _current(ctx)
    if current is None:
        show_main_menu(ctx, ctx._("There is no guide to resume. What do you need help with?"))
        return
    progress, _guide = current
    progress.active = True
    ctx.record("guide_resumed", guide=progress.guide)
    _show_step(ctx)


async def action_step(ctx: Context, action: StepButton) -> None:
    """Done / It doesn't work / Back / Stop, checked against the step it was shown with."""
    current = _current(ctx)
    if current is None:
        await stale_button(ctx)
        return
    progress, guide = current
    branch = guide.branch(progress.branch)
    on_step = (
        branch is not None
        and progress.guide == action.guide
        and branch.id == action.branch
        and progress.step < len(branch.steps)
        and branch.steps[progress.step].id == action.step
    )
    if not on_step:
        progress.active = True
        ctx.reply(ctx._("That button is from an earlier step. Here is where you are now."))
        _show_step(ctx)
        return
    progress.active = True
    await _apply(ctx, action.operation)


async def _apply(ctx: Context, operation: StepOperation) -> None:
    current = _current(ctx)
    if current is None:
        return
    progress, guide = current
    branch = guide.branch(progress.branch)
    if branch is None:
        _ask_branch(ctx, guide)
        return
    step = branch.steps[min(progress.step, len(branch.steps) - 1)]
    if operation == "ok":
        progress.step += 1
        _show_step(ctx)
    elif operation == "back":
        if progress.step == 0 and len(guide.branches) > 1:
            progress.branch = None
            _ask_branch(ctx, guide)
        else:
            progress.step = max(progress.step - 1, 0)
            _show_step(ctx)
    elif operation == "stop":
        progress.active = False
        ctx.record("guide_stopped", guide=guide.id, step=step.id)
        show_main_menu(ctx, ctx._("Guide paused. You can resume it any time from the menu."))
    else:
        fails = progress.fails.get(step.id, 0) + 1
        progress.fails[step.id] = fails
        ctx.record("step_failed", guide=guide.id, step=step.id, detail=str(fails))
        if fails >= FAILS_BEFORE_ESCALATION:
            progress.active = False
            await escalation.give_hotlines(ctx, "guide_failed")
            return
        ctx.reply(
            f"{step.help.get(ctx.locale)}\n\n" + ctx._('Try again, then tap "Done".'),
            _step_buttons(ctx, guide, branch.id, step),
        )


async def action_outcome(ctx: Context, action: GuideOutcome) -> None:
    """`w:<guide>:<yes|no>`: the answer to "Did it work?"."""
    current = _current(ctx)
    if current is None or current[0].guide != action.guide:
        await stale_button(ctx)
        return
    progress, guide = current
    branch = guide.branch(progress.branch)
    if branch is None or progress.step < len(branch.steps):
        progress.active = True
        _show_step(ctx)
        return
    await _finish(ctx, guide, worked=action.answer == "yes")


async def _finish(ctx: Context, guide: Guide, worked: bool) -> None:
    branch_id = ctx.state.guide.branch if ctx.state.guide else None
    ctx.state.guide = None
    if not worked:
        ctx.record("guide_not_working", guide=guide.id, detail=branch_id)
        await escalation.give_hotlines(ctx, "guide_failed")
        return
    ctx.record("guide_completed", guide=guide.id, detail=branch_id)
    topic = ctx.content.topic(guide.topic)
    related = [
        topic_button(ctx, t)
        for t_id in (topic.related if topic else ())
        if (t := ctx.content.topic(t_id)) is not None
    ]
    done = guide.done.get(ctx.locale) if guide.done else ""
    report = await setup_report.offer(ctx, guide.id)
    ctx.reply(
        "\n\n".join(filter(None, [ctx._("🎉 Well done!"), done])),
        [*report, *related, menu_button(ctx)],
    )


async def typed_during_guide(ctx: Context) -> bool:
    """Text stage: "xong", "ko dc", "quay lại", "dừng" typed instead of tapping a button."""
    current = _current(ctx)
    if current is None or not current[0].active:
        return False
    progress, guide = current
    branch = guide.branch(progress.branch)
    if branch is not None and progress.step >= len(branch.steps):
        if said(ctx, "step_done"):
            await _finish(ctx, guide, worked=True)
            return True
        if said(ctx, "step_failed"):
            await _finish(ctx, guide, worked=False)
            return True
        return False
    typed: tuple[tuple[str, StepOperation], ...] = (
        ("step_done", "ok"),
        ("step_failed", "fail"),
        ("back", "back"),
        ("stop", "stop"),
    )
    for words, operation in typed:
        if said(ctx, words):
            if branch is None:
                _ask_branch(ctx, guide)
            else:
                await _apply(ctx, operation)
            return True
    return False


async def follow_up(ctx: Context) -> bool:
    """Text stage: "còn iPhone thì sao?" after the Android guide goes to the iPhone branch."""
    guide, current_branch = _recent_guide(ctx)
    if guide is None or len(guide.branches) < 2:
        return False
    for branch in guide.branches:
        if branch.id == current_branch or not mentions(ctx.text, branch.keywords):
            continue
        decision = ctx.understander.understand(ctx.text)
        other = ctx.content.topic(decision.topic) if decision.topic else None
        if (
            decision.kind == "answer"
            and other is not None
            and other.guide != guide.id
            and decision.confidence >= FOLLOW_UP_CONFIDENCE
        ):
            return False  # a new question that happens to name a phone
        ctx.record("follow_up", guide=guide.id, detail=branch.id)
        in_guide = ctx.state.guide is not None and ctx.state.guide.guide == guide.id
        sibling = next(
            (
                t
                for t in ctx.content.topics.values()
                if t.guide == guide.id and t.guide_branch == branch.id
            ),
            None,
        )
        if not in_guide and sibling is not None:
            await answer_topic(ctx, sibling.id, confidence=None)
        else:
            await start_guide(ctx, guide.id, branch.id)
        return True
    return False


def _recent_guide(ctx: Context) -> tuple[Guide | None, str | None]:
    """The guide the conversation is about (in progress, or the last topic's), and its branch."""
    current = _current(ctx)
    if current is not None:
        return current[1], current[0].branch
    topic = ctx.content.topic(ctx.state.last_topic) if ctx.state.last_topic else None
    if topic is None or topic.guide is None:
        return None, None
    return ctx.content.guide(topic.guide), topic.guide_branch
