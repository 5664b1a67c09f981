"""Telegram, outwards: replies in order, broadcast deliveries and admins' progress messages.

Every Bot API call goes through `call`, the one retry layer for this channel: a 429 waits
what Telegram asks, network errors and 5xx back off a bounded number of times
(bot/retry.py). Broadcast deliveries are not retried here: the broadcast queue does that.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from telegram import Bot, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.delivery import Outcome
from bot.messages import Outbound
from bot.retry import with_retries
from channels.telegram.config import TelegramSettings
from channels.telegram.pacing import Spacing
from channels.telegram.render import TelegramMessage, render

log = logging.getLogger(__name__)

T = TypeVar("T")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
NO_PREVIEW_JSON = NO_PREVIEW.to_json()  # strings are sent as they are: encoded once


def masked(chat_id: int | str) -> str:
    """A chat id for logs: enough to correlate, not enough to identify a person."""
    text = str(chat_id)
    return f"…{text[-4:]}"


def seconds(wait: timedelta | float) -> float:
    """A `retry_after` as seconds, whichever type PTB gives."""
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def _wait_for(error: BaseException) -> float | None:
    """Telegram's rules: a 429 says how long; network errors back off (0); the rest is final.
    PTB's BadRequest is a NetworkError too, but retrying it cannot help."""
    if isinstance(error, RetryAfter):
        return seconds(error.retry_after)
    if isinstance(error, (TimedOut, NetworkError)) and not isinstance(error, BadRequest):
        return 0.0
    return None


class TelegramOutbound:
    """Sends for the Telegram channel through one PTB bot."""

    def __init__(
        self,
        bot: Bot,
        settings: TelegramSettings,
        unreachable: Callable[[str], Awaitable[None]],
    ) -> None:
        self.bot = bot
        self.settings = settings
        # Called with the person's id when Telegram says they blocked the bot (a reply).
        self.unreachable = unreachable
        # Bot API FAQ: no more than one message per second in a single chat (bulk sends).
        self.per_chat = Spacing(1.0)

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """One Bot API call with Telegram's retry rules."""
        return await with_retries("telegram", make, self.settings.send_attempts, _wait_for)

    async def send(
        self, chat_id: int, replies: list[Outbound], person: str, reply_to: int | None = None
    ) -> None:
        """Send replies in order; stop if the person blocked the bot (and remember it)."""
        for reply in replies:
            for item in render(reply):
                try:
                    await self.call(partial(self._send_one, chat_id, item, reply_to))
                except Forbidden:
                    log.info(
                        "telegram: chat %s blocked the bot; marked unreachable", masked(chat_id)
                    )
                    await self.unreachable(person)
                    return
                except BadRequest:
                    log.exception("telegram: a reply to chat %s was refused", masked(chat_id))
                reply_to = None

    async def answer_callback(self, query_id: str) -> None:
        """Stop a pressed button's spinner (answerCallbackQuery, its answer unread)."""
        try:
            await self.bot.do_api_request(
                "answerCallbackQuery", api_kwargs={"callback_query_id": query_id}
            )
        except TelegramError as error:
            log.warning("telegram: could not answer a callback query: %s", error)

    async def deliver(self, external_id: str, message: Outbound) -> Outcome:
        """One broadcast message; Telegram's answer as an Outcome (the queue does retries).
        A person who blocked the bot comes back as unreachable: the sender records it."""
        if not external_id.lstrip("-").isdigit():
            return Outcome("skipped", "not_a_private_chat")
        chat_id = int(external_id)
        try:
            for item in render(message):
                pause = self.per_chat.delay(external_id)
                if pause > 0:
                    await asyncio.sleep(pause)
                await self._send_one(chat_id, item, None, bulk=True)
        except RetryAfter as error:
            return Outcome("retry", "429", retry_after=seconds(error.retry_after))
        except Forbidden:
            return Outcome("skipped", "blocked", unreachable=True)
        except BadRequest as error:
            log.warning("telegram: broadcast refused for chat %s: %s", masked(chat_id), error)
            return Outcome("failed", "bad_request")
        except (TimedOut, NetworkError):
            return Outcome("retry", "network")
        return Outcome("sent")

    async def show_progress(self, external_id: str, ref: str | None, text: str) -> str | None:
        """Post an admin's broadcast progress message, or edit it in place (`ref`: its
        message id); if it can no longer be edited (deleted, too old), post a new one."""
        if not external_id.lstrip("-").isdigit():
            return None
        chat_id = int(external_id)
        bot = self.bot
        try:
            if ref is not None:
                try:
                    await self.call(
                        partial(bot.edit_message_text, text, chat_id=chat_id, message_id=int(ref))
                    )
                    return ref
                except BadRequest as error:
                    if "not modified" in str(error).lower():
                        return ref
            message = await self.call(partial(bot.send_message, chat_id, text))
            return str(message.message_id)
        except TelegramError as error:
            log.warning("telegram: progress message for %s failed: %s", masked(chat_id), error)
            return None

    async def _send_one(
        self, chat_id: int, item: TelegramMessage, reply_to: int | None, bulk: bool = False
    ) -> None:
        """One message. Text goes out as sendMessage without turning Telegram's answer into a
        `Message`, which nothing here reads: building it was two thirds of PTB's CPU per
        message (measured with cProfile; bench/telegram_cpu.py). PTB still encodes the request
        and maps errors to exceptions. `bulk`: a broadcast (paid broadcasts when set)."""
        if item.contact is not None:
            await self.bot.send_contact(
                chat_id,
                phone_number=item.contact.dial,
                first_name=item.contact.name[:64],
                last_name=item.contact.role[:64] or None,
            )
            return
        parameters: dict[str, Any] = {
            "chat_id": chat_id,
            "text": item.text or "",
            "parse_mode": ParseMode.HTML,
            "reply_markup": item.keyboard,
            "link_preview_options": NO_PREVIEW_JSON,
        }
        if reply_to is not None:
            parameters["reply_parameters"] = ReplyParameters(reply_to).to_json()
        if bulk and self.settings.paid_broadcast:
            parameters["allow_paid_broadcast"] = True
        await self.bot.do_api_request("sendMessage", api_kwargs=parameters)
