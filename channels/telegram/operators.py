"""The operators' group (OPERATOR_TELEGRAM_CHAT_ID): the live support desk on Telegram.

Each new ticket is posted there with its context and Take / Close buttons; the citizen's
messages follow as replies to it. An operator answers by replying (Telegram's reply) to the
ticket's message or to any message of that ticket: the answer is relayed to the citizen on
their own channel, signed with the operator's first name. Only members of the group count
as operators (asked of the Bot API with getChatMember, remembered a few minutes): in a
discussion group linked to a channel, people who are not members can write too.

Everything that happens in this chat stops here (a PTB handler in group -1 that raises
`ApplicationHandlerStop`): none of it reaches the citizens' flows. With the bot's privacy
mode on (the default), Telegram shows the bot only replies to its own messages and commands
in a group, which is all the desk needs. The texts come from the core (bot/tickets/render.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from telegram import Bot, CallbackQuery, Message, ReplyParameters, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.tickets.actions import CloseTicket, TakeTicket, read_operator_action
from bot.tickets.desk import DeskCard, DeskRetry
from bot.tickets.model import Change
from bot.tickets.service import LiveSupport
from channels.telegram.outbound import NO_PREVIEW, TelegramOutbound, masked, seconds
from channels.telegram.render import keyboard, to_html

log = logging.getLogger(__name__)

MEMBERS = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER)
MEMBERSHIP_SECONDS = 300.0  # how long an answer of getChatMember is believed
MAX_TEXT = 4000  # under Telegram's 4,096 characters per message
NOT_CONNECTED_RETRY = 2.0  # seconds: the relay looks again this soon


class OperatorGroup:
    """The desk in a Telegram group: posts tickets, reads operators' replies and buttons."""

    def __init__(
        self,
        chat_id: int,
        bot: Bot,
        outbound: TelegramOutbound,
        support: LiveSupport,
        connected: Callable[[], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.chat_id = chat_id
        self.bot = bot
        self.outbound = outbound
        self.support = support
        self.connected = connected
        self.clock = clock
        self._members: dict[int, tuple[bool, float]] = {}

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Catch everything from the operators' chat before the citizens' handlers."""
        app.add_handler(TypeHandler(Update, self.on_update), group=-1)

    def ref(self, message_id: int) -> str:
        """The desk ref of a message in the group."""
        return f"{self.chat_id}:{message_id}"

    def _message_id(self, ref: str) -> int | None:
        chat, _, message = ref.rpartition(":")
        return int(message) if chat == str(self.chat_id) and message.isdigit() else None

    def _(self, message: str) -> str:
        return self.support.gettext(self.support.operator_locale)(message)

    # --- from the group ------------------------------------------------------------------

    async def on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any update: the operators' chat's are handled here and go no further."""
        chat = update.effective_chat
        if chat is None or chat.id != self.chat_id:
            return
        try:
            if update.callback_query is not None:
                await self._button(update.callback_query)
            elif update.message is not None and update.message.text:
                await self._reply(update.message)
        except Exception:
            log.exception("telegram: an update in the operators' group failed")
        raise ApplicationHandlerStop

    async def is_operator(self, user_id: int) -> bool:
        """Whether this person is a member of the operators' group (asked, then remembered)."""
        known = self._members.get(user_id)
        if known is not None and known[1] > self.clock():
            return known[0]
        try:
            member = await self.outbound.call(
                partial(self.bot.get_chat_member, self.chat_id, user_id)
            )
        except TelegramError as error:
            log.warning("telegram: could not check an operator's membership: %s", error)
            return False
        status = member.status
        member_now = status in MEMBERS or (
            status == ChatMemberStatus.RESTRICTED and bool(getattr(member, "is_member", False))
        )
        self._members[user_id] = (member_now, self.clock() + MEMBERSHIP_SECONDS)
        return member_now

    async def _reply(self, message: Message) -> None:
        replied, user = message.reply_to_message, message.from_user
        if replied is None or user is None or user.is_bot or message.text is None:
            return
        if replied.from_user is None or replied.from_user.id != self.bot.id:
            return
        if not await self.is_operator(user.id):
            log.info("telegram: a reply in the operators' group from a non-member was ignored")
            return
        ticket = await self.support.ticket_for_ref(self.ref(replied.message_id))
        if ticket is None:
            await self._tell(message, self._("Reply to a ticket's message to answer its citizen."))
            return
        change = await self.support.reply(
            ticket, user.first_name, message.text, desk_ref=self.ref(message.message_id)
        )
        if change != "done":
            await self._tell(message, self._said(change, ticket))

    async def _button(self, query: CallbackQuery) -> None:
        action = read_operator_action(query.data or "")
        answer = self._("This button is out of date.")
        if action is not None and not await self.is_operator(query.from_user.id):
            answer = self._("Only members of the operators' group can do that.")
        elif action is not None:
            ticket, name = int(action.ticket), query.from_user.first_name
            match action:
                case TakeTicket():
                    change = await self.support.take(ticket, name)
                    done = self._("You took ticket #{id}.")
                case CloseTicket():
                    change = await self.support.close(ticket, name)
                    done = self._("Ticket #{id} is closed.")
            answer = (done if change == "done" else self._said(change, ticket)).format(id=ticket)
        try:
            await query.answer(answer[:200])
        except TelegramError as error:
            log.warning("telegram: could not answer an operator's button: %s", error)

    def _said(self, change: Change, ticket: int) -> str:
        match change:
            case "done":
                return self._("Done.")
            case "already":
                return self._("Ticket #{id} was taken already.").format(id=ticket)
            case "closed":
                return self._("Ticket #{id} is closed: the citizen will not get this.").format(
                    id=ticket
                )
            case "unknown":
                return self._("There is no ticket #{id} any more.").format(id=ticket)

    async def _tell(self, message: Message, text: str) -> None:
        try:
            await self._send(to_html(text), None, message.message_id)
        except (TelegramError, DeskRetry) as error:
            log.warning("telegram: could not answer in the operators' group: %s", error)

    # --- to the group: the desk port (bot/tickets/desk.py) --------------------------------

    async def post_ticket(self, card: DeskCard) -> str:
        """Announce a ticket, with its buttons."""
        markup = keyboard(tuple(card.buttons), ())
        posted = await self._send(to_html(card.text[:MAX_TEXT]), markup, None)
        return self.ref(posted.message_id)

    async def post_message(self, ticket_ref: str, text: str) -> str:
        """A message about a ticket, as a reply to its announcement."""
        posted = await self._send(to_html(text[:MAX_TEXT]), None, self._message_id(ticket_ref))
        return self.ref(posted.message_id)

    async def update_ticket(self, ticket_ref: str, card: DeskCard) -> None:
        """Show the ticket's new state on its announcement (an edit; no buttons when none)."""
        message_id = self._message_id(ticket_ref)
        if message_id is None:
            return  # announced in another group (the setting changed): leave it
        self._ready()
        edit = partial(
            self.bot.edit_message_text,
            to_html(card.text[:MAX_TEXT]),
            chat_id=self.chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(tuple(card.buttons), ()),
            link_preview_options=NO_PREVIEW,
        )
        try:
            await self._guarded(edit)
        except BadRequest as error:  # not modified, deleted, too old: the reply says it anyway
            log.info(
                "telegram: a ticket's message in %s was not edited: %s", masked(self.chat_id), error
            )

    def _ready(self) -> None:
        if not self.connected():
            raise DeskRetry(NOT_CONNECTED_RETRY, "Telegram is not connected")

    async def _send(self, html: str, markup: Any, reply_to: int | None) -> Message:
        self._ready()
        send = partial(
            self.bot.send_message,
            self.chat_id,
            html,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
            if reply_to is not None
            else None,
            link_preview_options=NO_PREVIEW,
        )
        sent: Message = await self._guarded(send)
        return sent

    async def _guarded(self, call: Callable[[], Any]) -> Any:
        """A Bot API call; a wait Telegram asks for, or the network, as DeskRetry."""
        try:
            return await self.outbound.call(call)
        except RetryAfter as error:
            raise DeskRetry(seconds(error.retry_after), "Telegram asks to wait") from error
        except (TimedOut, NetworkError) as error:
            if isinstance(error, BadRequest):
                raise
            raise DeskRetry(NOT_CONNECTED_RETRY, "Telegram could not be reached") from error


def operator_group(
    chat_id: int | None,
    bot: Bot,
    outbound: TelegramOutbound,
    support: LiveSupport | None,
    connected: Callable[[], bool],
) -> OperatorGroup | None:
    """The operators' group when one is set (and live support is there): it becomes the
    service's desk."""
    if chat_id is None or support is None:
        return None
    group = OperatorGroup(chat_id, bot, outbound, support, connected)
    support.add_desk(group)
    return group
