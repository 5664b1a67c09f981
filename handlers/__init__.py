"""Conversation flows, each a module of plain async functions, all registered here."""

from __future__ import annotations

from bot.router import Router
from bot.tickets.actions import RateTicket
from bot.volunteers.links import ShareLinks
from handlers import (
    actions,
    admin,
    escalation,
    fallback,
    faq,
    feedback,
    guide,
    navigation,
    privacy,
    setup_report,
    start,
    subscription,
    support,
    volunteer,
    volunteer_actions,
)


def build_router(links: ShareLinks | None = None) -> Router:
    """A fresh router with every flow registered, in the order text stages should run;
    `links`: where volunteers' share links point (PUBLIC_URL, TELEGRAM_BOT_USERNAME)."""
    router = Router(on_stale=fallback.stale_button, on_unknown_command=fallback.unknown_command)

    router.command("start", start.command_start)
    router.command("menu", support.command_menu)
    router.command("lang", start.command_language)
    router.command("tinh", start.command_province)
    router.command("hotline", escalation.command_hotline)
    router.command("xoadulieu", privacy.command_delete)
    router.command("deletedata", privacy.command_delete)
    router.command("stop", subscription.command_stop)
    router.command("broadcast", admin.command_broadcast)
    router.command("broadcasts", admin.command_broadcasts)
    router.command("invite", admin.command_invite)
    router.command("volunteers", admin.command_volunteers)
    router.command("volunteer", volunteer.command_volunteer)
    router.command("tinhnguyen", volunteer.command_volunteer)
    router.command("myimpact", volunteer.command_myimpact(links or ShareLinks()))
    router.command("baocao", setup_report.command_report)
    router.command("report", setup_report.command_report)

    router.on(actions.MainMenu, start.action_menu)
    router.on(actions.Hello, start.action_hello)
    router.on(actions.RateAnswer, feedback.action_feedback)
    router.on(actions.ShowSection, start.action_section)
    router.on(actions.ChooseLanguage, start.action_language)
    router.on(actions.ChooseProvince, start.action_province)
    router.on(actions.ProvinceRules, start.action_province_for_topic)
    router.on(actions.ShowTopic, faq.action_topic)
    router.on(actions.TalkToSupport, escalation.action_help)
    router.on(actions.ChatWithStaff, support.action_open)
    router.on(actions.EndChat, support.action_end)
    router.on(RateTicket, support.action_rate)
    router.on(actions.StartGuide, guide.action_start)
    router.on(actions.StepButton, guide.action_step)
    router.on(actions.GuideOutcome, guide.action_outcome)
    router.on(actions.ResumeGuide, guide.action_resume)
    router.on(actions.DeleteData, privacy.action_delete)
    router.on(actions.Reminders, subscription.action_subscription)
    router.on(actions.BroadcastTo, admin.action_audience)
    router.on(actions.BroadcastNarrow, admin.action_narrow_choices)
    router.on(actions.BroadcastSegment, admin.action_segment)
    router.on(actions.BroadcastAddButton, admin.action_button_choices)
    router.on(actions.BroadcastButton, admin.action_add_button)
    router.on(actions.BroadcastSend, admin.action_send)
    router.on(actions.BroadcastCancel, admin.action_cancel)
    router.on(actions.BroadcastList, admin.action_list)
    router.on(actions.BroadcastPause, admin.action_pause)
    router.on(actions.BroadcastResume, admin.action_resume)
    router.on(volunteer_actions.VolunteerApprove, admin.action_approve_volunteer)
    router.on(volunteer_actions.VolunteerMenu, volunteer.action_menu)
    router.on(volunteer_actions.VolunteerAsk, volunteer.action_ask)
    router.on(volunteer_actions.VolunteerAskSkip, volunteer.action_ask_skip)
    router.on(volunteer_actions.ShareMenu, volunteer.action_share_menu)
    router.on(volunteer_actions.ShareItem, volunteer.share_item(links or ShareLinks()))
    router.on(volunteer_actions.ShowImpact, volunteer.action_impact(links or ShareLinks()))
    router.on(volunteer_actions.ReportDone, setup_report.action_done)
    router.on(volunteer_actions.ReportUnit, setup_report.action_unit)
    router.on(volunteer_actions.ReportProvince, setup_report.action_province)

    router.text(support.typed_in_ticket)  # first: while a ticket is open, text is for staff
    router.text(admin.typed_broadcast_text)
    router.text(volunteer.typed_organisation)
    router.text(start.awaiting_answer)
    router.text(guide.typed_during_guide)
    router.text(subscription.typed_unsubscribe)
    router.text(navigation.typed_navigation)
    router.text(guide.follow_up)
    router.text(faq.understand)
    return router


__all__ = ["build_router", "fallback"]
