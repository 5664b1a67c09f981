"""Sending one turn's replies: buttons as templates or numbers, within the reply quota.

In template mode a message whose buttons Zalo refuses (wire.TEMPLATE_REFUSED) is sent again
as numbered text, with the rest of the turn, and the channel stays numbered from then on
(logged once, loudly). When an answer needs more messages than the quota leaves for the
person's message, the last one allowed says so instead (once per user message).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.messages import Outbound
from channels.zalo.client import Answer, ZaloClient
from channels.zalo.config import ButtonMode
from channels.zalo.errors import Verdict
from channels.zalo.numbered import numbered
from channels.zalo.render import Piece, block, body, template_pieces

log = logging.getLogger(__name__)


class Buttons:
    """How messages are shaped now: buttons as templates, or as numbered text after Zalo
    refused one; the person's message quoted, unless Zalo refused a quote."""

    def __init__(self, mode: ButtonMode) -> None:
        self.configured: ButtonMode = mode
        self.mode: ButtonMode = mode
        self.quotes = True

    def quote_refused(self, answer: Answer) -> None:
        """Zalo refused a message that quoted the person's: no quotes from now on."""
        self.quotes = False
        log.error(
            "zalo: Zalo refused a message quoting the person's (error %s: %s); "
            "replies no longer quote it",
            answer.code,
            answer.message,
        )

    def refused(self, answer: Answer) -> None:
        """Zalo refused a template: numbered choices from now on (said once, loudly)."""
        if self.mode == "numbered":
            return
        self.mode = "numbered"
        log.error(
            "zalo: Zalo refused a message with template buttons (error %s: %s); sending "
            "numbered choices from now on. Set ZALO_BUTTONS=numbered to start that way.",
            answer.code,
            answer.message,
        )


@dataclass
class Words:
    """The interface words a turn may need, in the person's language."""

    hint: str  # closes numbered choices: "Reply with a number to choose."
    notice: str  # the last message the quota allows: "write to me again to see more"


@dataclass
class Delivered:
    """What a turn's sending did."""

    answer: Answer  # the last answer (SENT when everything went)
    sent: int = 0
    noticed: bool = False  # the "write again" notice was sent
    actions: list[str] = field(default_factory=list)  # what the numbers shown stand for


async def deliver(
    client: ZaloClient,
    buttons: Buttons,
    user_id: str,
    replies: list[Outbound],
    words: Words,
    budget: int | None = None,
    quote: str | None = None,
    notice_allowed: bool = True,
) -> Delivered:
    """Send a turn's replies in as few messages as the limits allow.

    `budget`: how many messages may still answer the person's message (None: no limit);
    `quote`: the person's message id, quoted by the first message (wire.QUOTE_FIELD).
    """
    if not replies:
        return Delivered(Answer(Verdict.SENT))
    templated = buttons.mode == "template"
    if templated:
        pieces = template_pieces(replies)
        actions: list[str] = []
    else:
        plan = numbered([block(reply) for reply in replies], words.hint)
        pieces, actions = plan.pieces, plan.actions
    done = Delivered(Answer(Verdict.SENT), actions=actions)
    quote = quote if buttons.quotes else None
    index = 0
    while index < len(pieces):
        left = None if budget is None else budget - done.sent
        if left is not None and left <= 0:
            return done
        if left is not None and left == 1 and len(pieces) - index > 1:
            if notice_allowed:
                done.answer = await client.send(body(user_id, Piece(words.notice)))
                done.sent += done.answer.verdict is Verdict.SENT
                done.noticed = done.answer.verdict is Verdict.SENT
            return done
        piece = pieces[index]
        answer = await client.send(body(user_id, piece, quote if done.sent == 0 else None))
        done.answer = answer
        if answer.verdict is Verdict.SENT:
            done.sent += 1
            index += 1
            continue
        if answer.verdict is Verdict.SHAPE and templated and piece.choices:
            buttons.refused(answer)
            plan = numbered(pieces[index:], words.hint)
            pieces = pieces[:index] + plan.pieces
            done.actions = plan.actions
            templated = False
            continue
        if answer.verdict is Verdict.SHAPE and quote is not None and done.sent == 0:
            buttons.quote_refused(answer)
            quote = None
            continue
        return done
    return done
