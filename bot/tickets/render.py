"""What live support says: tickets and messages for the operators' desk (in the operators'
language), and operators' messages for the citizen (in the citizen's). Plain text: each
desk and channel escapes and lays it out its own way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from babel.dates import format_datetime

from bot.channel_profile import ChannelProfile
from bot.content import Content
from bot.i18n import N_
from bot.messages import Button, Outbound
from bot.tickets.actions import CloseTicket, RateTicket, TakeTicket
from bot.tickets.desk import DeskCard
from bot.tickets.hours import BABEL_LOCALES, ZONE
from bot.tickets.model import MessageView, TicketView

Gettext = Callable[[str], str]
CONTEXT_CHARS = 300  # of each earlier message shown on a ticket's card
# Why a person was handed over (the flows' escalation reasons), for the operators.
REASONS = {
    "asked": N_("asked for a person"),
    "not_understood": N_("the bot did not understand them twice"),
    "guide_failed": N_("a guide step did not work"),
    "feedback": N_("👎 on an answer"),
    "still_failing": N_("still not working after the tips"),
}


class DeskWords:
    """The operators' view of tickets, in their language."""

    def __init__(
        self,
        gettext: Gettext,
        locale: str,
        content: Content,
        profiles: Sequence[ChannelProfile] = (),
    ) -> None:
        self._ = gettext
        self.locale = locale
        self.content = content
        self.profiles = {profile.name: profile for profile in profiles}

    def channel(self, name: str) -> str:
        """A channel as people know it ("Zalo"), or its name."""
        profile = self.profiles.get(name)
        return profile.label if profile is not None and profile.label else name.title()

    def skip_reason(self, channel: str, reason: str | None) -> str:
        """Why a channel did not deliver, in words when the channel gave them."""
        profile = self.profiles.get(channel)
        label = profile.skip_reasons.get(reason or "") if profile is not None else None
        return self._(label) if label else (reason or self._("unknown"))

    def moment(self, value: dt.datetime) -> str:
        """A date and time in Vietnam's time, written the operators' way."""
        babel = BABEL_LOCALES.get(self.locale, self.locale)
        return format_datetime(value, "short", tzinfo=ZONE, locale=babel)

    def _where(self, ticket: TicketView) -> str | None:
        _, content, locale = self._, self.content, self.locale
        parts = []
        topic = content.topic(ticket.topic) if ticket.topic else None
        if topic is not None:
            parts.append(_("Topic: {topic}").format(topic=topic.title.get(locale)))
        guide = content.guide(ticket.guide) if ticket.guide else None
        if guide is not None:
            branch = guide.branch(ticket.branch)
            steps = [step.id for step in branch.steps] if branch is not None else []
            title = guide.title.get(locale)
            if branch is not None and len(guide.branches) > 1:
                title = f"{title} ({branch.label.get(locale)})"
            if ticket.step in steps:
                parts.append(
                    _("Guide: {guide}, step {number}/{total}").format(
                        guide=title, number=steps.index(ticket.step) + 1, total=len(steps)
                    )
                )
            else:
                parts.append(_("Guide: {guide}").format(guide=title))
        return " · ".join(parts) or None

    def header(self, ticket: TicketView) -> str:
        """The first line of a ticket: its number and state."""
        _ = self._
        match ticket.state:
            case "waiting":
                return _("🆘 Ticket #{id} · waiting for an operator").format(id=ticket.id)
            case "taken":
                return _("✋ Ticket #{id} · taken by {operator}").format(
                    id=ticket.id, operator=ticket.operator or "?"
                )
            case "closed":
                return _("✅ Ticket #{id} · closed").format(id=ticket.id)

    def card(
        self, ticket: TicketView, context: Sequence[MessageView], outside_hours: bool
    ) -> DeskCard:
        """A ticket's announcement: who, where, why, what they said; take and close."""
        _, locale = self._, self.locale
        province = self.content.province(ticket.province)
        language = self.content.language_names.get(ticket.locale, ticket.locale)
        lines = [
            self.header(ticket),
            _("Channel: {channel} · Province: {province} · Language: {language}").format(
                channel=self.channel(ticket.channel),
                province=province.name.get(locale) if province else _("not known"),
                language=language,
            ),
            _("Why: {reason}").format(reason=_(REASONS.get(ticket.reason, ticket.reason))),
        ]
        where = self._where(ticket)
        if where:
            lines.append(where)
        opened = _("Opened: {when}").format(when=self.moment(ticket.created_at))
        if outside_hours:
            opened += " " + _("(outside office hours: the citizen was told when you answer)")
        lines.append(opened)
        said = [m for m in context if m.kind == "context" and m.text]
        if said:
            lines += ["", _("Their last messages:")]
            lines += [f"› {m.text[:CONTEXT_CHARS]}" for m in said]
        buttons: list[Button] = []
        if ticket.state != "closed":
            lines += ["", _("Reply to this message to answer them.")]
            buttons = [Button(_("✅ Close"), CloseTicket(str(ticket.id)).pack())]
            if ticket.state == "waiting":
                buttons.insert(0, Button(_("✋ Take"), TakeTicket(str(ticket.id)).pack()))
        return DeskCard("\n".join(lines), buttons)

    def message(self, message: MessageView, ticket: TicketView) -> str:
        """A ticket message as posted to the desk (a reply to the ticket's announcement)."""
        _, number = self._, ticket.id
        name = message.author or "?"
        match message.kind:
            case "text" if message.direction == "operator":
                return _("#{id} {name} (from the admin pages): {text}").format(
                    id=number, name=name, text=message.text
                )
            case "text" | "context":
                return _("#{id} citizen: {text}").format(id=number, text=message.text)
            case "taken":
                return _("✋ #{id} taken by {name}.").format(id=number, name=name)
            case "closed":
                return _(
                    "✅ #{id} closed by {name}. The citizen is asked whether it was solved."
                ).format(id=number, name=name)
            case "ended":
                return _("✅ #{id}: the citizen ended the chat.").format(id=number)
            case "undelivered":
                return _(
                    '⚠ #{id}: {name}\'s reply "{text}" did not reach the citizen: {reason}. '
                    "It will not be sent again."
                ).format(
                    id=number,
                    name=name,
                    text=message.text,
                    reason=self.skip_reason(ticket.channel, message.reason),
                )
            case "reminder":
                waited = max(0, int((message.created_at - ticket.created_at).total_seconds() // 60))
                return _("⏰ #{id} has waited {minutes} min without an answer.").format(
                    id=number, minutes=waited
                )
            case "opened":
                return self.header(ticket)


def citizen_reply(message: MessageView, ticket_id: int, gettext: Gettext, signed: bool) -> Outbound:
    """An operator's message (signed with their first name unless the channel shows who
    speaks itself) or the end of the chat ("was it solved?"), for the citizen."""
    _ = gettext
    if message.kind == "closed":
        return Outbound(
            _("The support staff closed this chat. Was your problem solved?"),
            (
                Button(_("👍 Yes, solved"), RateTicket(str(ticket_id), "yes").pack()),
                Button(_("👎 No"), RateTicket(str(ticket_id), "no").pack()),
            ),
        )
    if not signed:
        return Outbound(message.text)
    return Outbound(
        _("👤 {name} (support staff):").format(name=message.author or "?") + "\n" + message.text
    )
