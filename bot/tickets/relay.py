"""The relay: takes ticket messages marked "to relay" and brings them across.

To the operators' desk: a new ticket's announcement, the citizen's messages (as replies to
it), the ticket's changes, notices and reminders. To the citizen: operators' answers and
the "was it solved?" question, through their channel's `Deliverer`. A side is marked sent
only once the platform took it; otherwise it is tried again after a back-off (the desk for
as long as it takes, the citizen a bounded number of times). When a channel will not take
an answer (Zalo's interaction window, a blocked bot) the message says so and the operators
are told, rather than the answer being sent blindly or lost.

`serve` runs under the server's `repeating` loop: a round, then a wait until woken
(`LiveSupport.wake`, after a commit in this process) or a few seconds (work left by a
stopped process or another server, and retries that came due).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging

from bot.delivery import Outcome
from bot.retry import backoff
from bot.storage import turns
from bot.tickets import outbox, queries
from bot.tickets.desk import DeskCard, DeskRetry, OperatorDesk
from bot.tickets.model import MessageView, RelayState, TicketView
from bot.tickets.outbox import Settled
from bot.tickets.render import citizen_reply
from bot.tickets.service import LiveSupport

log = logging.getLogger(__name__)

BATCH = 20
IDLE_SECONDS = 5.0
RETRY_SECONDS = (2.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0)
# Tries to reach a citizen before the answer counts as failed: about an hour of back-off.
CITIZEN_ATTEMPTS = 12
# A message whose ticket is not announced yet waits this long before it is looked at again.
WAIT_FOR_TICKET = dt.timedelta(seconds=2)


class Relay:
    """Brings ticket messages to the desk and to citizens."""

    def __init__(self, support: LiveSupport) -> None:
        self.support = support
        self.database = support.database

    async def serve(self, stopping: asyncio.Event) -> None:
        """Relay until the server stops: rounds, and waits between them."""
        while not stopping.is_set():
            busy = 0
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("ticket relay: a round failed; trying again")
            if busy >= BATCH:
                continue
            await self.support.wait_for_work(stopping, IDLE_SECONDS)

    async def run_once(self) -> int:
        """One round: relay what is due, queue reminders. How much there was."""
        now = self.support.now()
        claimed = await self.database.run(outbox.claim, now, BATCH)
        announced: dict[int, TicketView] = {}
        for message, ticket in claimed:
            ticket = announced.get(ticket.id, ticket)
            ref = await self._relay(message, ticket)
            if ref is not None:
                announced[ticket.id] = dataclasses.replace(ticket, desk_ref=ref)
        reminders = await self._remind(now)
        if reminders:
            self.support.wake()
        return len(claimed) + reminders

    async def _relay(self, message: MessageView, ticket: TicketView) -> str | None:
        """Relay one message; the ticket's new desk ref when this announced it."""
        support = self.support
        unannounced = message.kind != "opened" and not ticket.desk_ref
        if message.to_desk == "pending" and unannounced and support.desk is not None:
            # Its ticket is not on the desk yet: that comes first.
            await self.database.run(outbox.defer, message.id, support.now() + WAIT_FOR_TICKET)
            return None
        settled = Settled()
        waits: list[float] = []
        attempted = False
        if message.to_desk == "pending":
            settled, wait = await self._to_desk(message, ticket)
            waits += wait
        if message.to_citizen == "pending":
            outcome = await self._deliver(message, ticket)
            if outcome.unreachable:
                await self.database.run(turns.mark_unreachable, ticket.channel, ticket.external_id)
            last_try = message.attempts + 1 >= CITIZEN_ATTEMPTS
            match outcome.state:
                case "sent":
                    settled = dataclasses.replace(settled, to_citizen="sent")
                case "retry" if not last_try:
                    waits.append(outcome.retry_after)
                    attempted = True
                case "retry" | "failed" | "skipped":
                    state: RelayState = "skipped" if outcome.state == "skipped" else "failed"
                    reason = outcome.reason or state
                    # The operators hear of an answer that did not arrive (not of the question
                    # "was it solved?" after a close).
                    notice = message.kind == "text"
                    settled = dataclasses.replace(
                        settled, to_citizen=state, reason=reason, notice=notice
                    )
                    log.info(
                        "ticket relay: #%s not delivered to the citizen (%s)", ticket.id, reason
                    )
        if waits:
            attempted = attempted or settled.attempted
            pause = max(max(waits), backoff(message.attempts, RETRY_SECONDS))
            retry_at = support.now() + dt.timedelta(seconds=pause)
            settled = dataclasses.replace(settled, retry_at=retry_at, attempted=attempted)
        await self.database.run(outbox.settle, message, settled, support.now(), support.announce)
        if settled.notice:
            support.wake()  # the notice for the operators is due at once
        return settled.ticket_ref

    async def _to_desk(
        self, message: MessageView, ticket: TicketView
    ) -> tuple[Settled, list[float]]:
        """Post a message on the desk: what to record, and how long to wait if it failed."""
        desk = self.support.desk
        if desk is None:
            return Settled(to_desk="skipped", reason="no_desk"), []
        try:
            ref = await self._post(desk, message, ticket)
        except DeskRetry as error:  # away or busy: not a failure, the back-off does not grow
            return Settled(), [error.after]
        except Exception as error:
            log.warning("ticket relay: the desk failed (%s); trying again", error)
            return Settled(attempted=True), [0.0]
        if message.kind == "opened":
            return Settled(to_desk="sent", ticket_ref=ref), []
        return Settled(to_desk="sent", desk_ref=ref or None), []

    async def _post(self, desk: OperatorDesk, message: MessageView, ticket: TicketView) -> str:
        """Show a message on the desk; the ref of what was posted ("" for an edit only)."""
        words = self.support.desk_words()
        match message.kind:
            case "opened":
                return await desk.post_ticket(await self._card(ticket))
            case "taken":
                assert ticket.desk_ref is not None
                await desk.update_ticket(ticket.desk_ref, await self._card(ticket))
                return ""
            case "closed" | "ended":
                assert ticket.desk_ref is not None
                await desk.update_ticket(ticket.desk_ref, await self._card(ticket))
                return await desk.post_message(ticket.desk_ref, words.message(message, ticket))
            case "text" | "context" | "undelivered" | "reminder":
                assert ticket.desk_ref is not None
                return await desk.post_message(ticket.desk_ref, words.message(message, ticket))

    async def _card(self, ticket: TicketView) -> DeskCard:
        said = await self.database.run(queries.messages, ticket.id)
        outside = not self.support.settings.hours.is_open(ticket.created_at)
        return self.support.desk_words().card(ticket, said, outside)

    async def _deliver(self, message: MessageView, ticket: TicketView) -> Outcome:
        """Bring an operator's message (or the end of the chat) to the citizen."""
        deliverer = self.support.citizens.get(ticket.channel)
        if deliverer is None:
            return Outcome("skipped", "channel_unavailable")
        reply = citizen_reply(message, ticket.id, self.support.gettext(ticket.locale), True)
        try:
            return await deliverer.deliver(ticket.external_id, reply)
        except Exception as error:
            log.warning("ticket relay: delivery to the citizen failed (%s)", error)
            return Outcome("retry", "error")

    async def _remind(self, now: dt.datetime) -> int:
        """Queue a reminder for each ticket left unanswered too long (office hours only)."""
        support = self.support
        minutes = support.settings.remind_minutes
        if not minutes or support.desk is None or not support.settings.hours.is_open(now):
            return 0
        every = dt.timedelta(minutes=minutes)
        due = await self.database.run(outbox.due_reminders, now, every)
        for ticket_id in due:
            await self.database.run(outbox.remind, ticket_id, now)
        return len(due)
