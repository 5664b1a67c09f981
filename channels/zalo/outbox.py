"""What the Zalo channel sends: answers to a person's message, and broadcast deliveries.

Each person's thread (bot/storage/threads.py) holds their last message (the reply window and
quota, quota.py) and the numbered choices last shown, so a typed "2" is read as the choice
the person saw (numbered.py).
"""

from __future__ import annotations

import datetime as dt
import gettext
import logging
from collections.abc import Callable

from bot.delivery import Outcome
from bot.i18n import N_
from bot.messages import Inbound, Outbound
from bot.port import Core
from bot.storage.channel_store import ChannelStore
from bot.storage.models import utcnow
from bot.storage.threads import Thread
from channels.zalo import quota, wire
from channels.zalo.client import CHANNEL, ZaloClient
from channels.zalo.delivery import Buttons, Delivered, Words, deliver
from channels.zalo.errors import Verdict
from channels.zalo.numbered import typed_choice

log = logging.getLogger(__name__)

HINT = N_("Reply with a number to choose.")
NOTICE = N_(
    "Zalo lets me send only a few messages for each of yours. "
    'Please write to me again (for example "menu") to see more.'
)
QUOTA_REASON = "zalo_quota"


class Outbox:
    """Replies and deliveries through one client."""

    def __init__(
        self,
        core: Core,
        store: ChannelStore,
        client: ZaloClient,
        buttons: Buttons,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.core = core
        self.store = store
        self.client = client
        self.buttons = buttons
        self.clock = clock

    def words(self, locale: str) -> Words:
        """The interface words in `locale`."""
        catalogs = self.core.catalogs
        catalog = catalogs.get(locale) or catalogs.get("vi") or gettext.NullTranslations()
        return Words(hint=catalog.gettext(HINT), notice=catalog.gettext(NOTICE))

    async def thread(self, user_id: str) -> Thread | None:
        """The person's thread, or None before their first turn."""
        return await self.store.thread(user_id)

    async def inbound(self, event: wire.Event, user_id: str) -> Inbound:
        """The event as the core sees it; a typed number is the choice shown with it."""
        common = {"channel": CHANNEL, "user_id": user_id, "message_id": event.event_id}
        if event.name == "follow":
            return Inbound(text="/start", **common)
        if event.action is not None:
            return Inbound(action=event.action, **common)
        if event.text is not None:
            thread = await self.thread(user_id)
            action = typed_choice(event.text, thread.choices if thread else [])
            if action is not None:
                return Inbound(action=action, **common)
            return Inbound(text=event.text, **common)
        return Inbound(attachment=event.attachment, **common)

    async def answer(self, event: wire.Event, user_id: str, replies: list[Outbound]) -> None:
        """Send a turn's replies to the person who caused it, within the reply quota."""
        thread = await self.thread(user_id)
        if thread is None:
            return
        quote = None
        budget = None
        if event.from_user and event.message_id is not None:
            quota.begin(thread, event.message_id, event.at or self.clock())
            budget = quota.budget(thread, self.clock())
            quote = event.message_id if event.text is not None else None
        done = await deliver(
            self.client,
            self.buttons,
            user_id,
            replies,
            self.words(thread.locale),
            budget=budget,
            quote=quote,
            notice_allowed=not thread.notified,
        )
        if await self._record(thread, done) is Verdict.UNREACHABLE:
            await self.core.mark_unreachable(CHANNEL, user_id)

    async def deliver(self, external_id: str, message: Outbound) -> Outcome:
        """One broadcast message, inside the person's reply window only (wire.py)."""
        thread = await self.thread(external_id)
        now = self.clock()
        if thread is None or not quota.within_window(thread, now):
            return Outcome("skipped", wire.OUTSIDE_WINDOW_REASON)
        budget = quota.budget(thread, now)
        if budget <= 0:
            return Outcome("skipped", QUOTA_REASON)
        done = await deliver(
            self.client,
            self.buttons,
            external_id,
            [message],
            self.words(thread.locale),
            budget=budget,
            notice_allowed=False,
        )
        await self._record(thread, done)
        answer = done.answer
        match answer.verdict:
            case Verdict.SENT:
                return Outcome("sent")
            case Verdict.UNREACHABLE:
                return Outcome("skipped", "unreachable", unreachable=True)
            case Verdict.OUTSIDE_WINDOW:
                return Outcome("skipped", wire.OUTSIDE_WINDOW_REASON)
            case Verdict.QUOTA:
                return Outcome("skipped", QUOTA_REASON)
            case Verdict.RETRY | Verdict.REFRESH:
                return Outcome("retry", f"zalo_error_{answer.code}")
            case Verdict.SHAPE | Verdict.FAIL:
                return Outcome("failed", f"zalo_error_{answer.code}")

    async def _record(self, thread: Thread, done: Delivered) -> Verdict:
        """Store what was sent in the person's thread; Zalo's last verdict."""
        thread.replies += done.sent
        thread.notified = thread.notified or done.noticed
        thread.choices = done.actions
        verdict = done.answer.verdict
        if verdict is Verdict.QUOTA:
            # Zalo says no more for now: nothing more is sent until the person writes again.
            thread.replies = max(thread.replies, wire.REPLIES_PER_USER_MESSAGE)
            log.warning("zalo: reply quota used up for a person; waiting for their next message")
        await self.store.save_thread(thread)
        if verdict is Verdict.OUTSIDE_WINDOW:
            log.info("zalo: a person is outside the interaction window (%s)", done.answer.code)
        return verdict
