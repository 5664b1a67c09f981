"""Conversation flows, each a module of plain async functions, all registered here."""

from __future__ import annotations

from bot.router import Router
from handlers import (
    admin,
    escalation,
    fallback,
    faq,
    feedback,
    guide,
    navigation,
    privacy,
    start,
    subscription,
)


def build_router() -> Router:
    """A fresh router with every flow registered, in the order text stages should run."""
    router = Router(on_stale=fallback.stale_button, on_unknown_command=fallback.unknown_command)

    router.command("start", start.command_start)
    router.command("menu", start.command_menu)
    router.command("lang", start.command_language)
    router.command("tinh", start.command_province)
    router.command("hotline", escalation.command_hotline)
    router.command("xoadulieu", privacy.command_delete)
    router.command("deletedata", privacy.command_delete)
    router.command("stop", subscription.command_stop)
    router.command("broadcast", admin.command_broadcast)
    router.command("broadcasts", admin.command_broadcasts)

    router.action("menu", start.action_menu)
    router.action("hello", start.action_hello)
    router.action("f", feedback.action_feedback)
    router.action("m", start.action_section)
    router.action("l", start.action_language)
    router.action("p", start.action_province)
    router.action("pt", start.action_province_for_topic)
    router.action("t", faq.action_topic)
    router.action("h", escalation.action_help)
    router.action("g", guide.action_start)
    router.action("s", guide.action_step)
    router.action("w", guide.action_outcome)
    router.action("r", guide.action_resume)
    router.action("del", privacy.action_delete)
    router.action("sub", subscription.action_subscription)
    router.action("bc", admin.action_broadcast)

    router.text(admin.typed_broadcast_text)
    router.text(start.awaiting_answer)
    router.text(guide.typed_during_guide)
    router.text(subscription.typed_unsubscribe)
    router.text(navigation.typed_navigation)
    router.text(guide.follow_up)
    router.text(faq.understand)
    return router


__all__ = ["build_router", "fallback"]
