"""One person flooding the bot on a chat channel: one polite "slow down", then silence until
their bucket refills; other people are not affected."""

from __future__ import annotations

from bot.engine import Engine
from bot.guard.flood import Rate, TokenBuckets
from bot.messages import Inbound


async def test_a_flood_gets_one_polite_reply_then_silence(any_engine: Engine) -> None:
    now = [0.0]
    any_engine.flood = TokenBuckets(Rate(per_minute=60, burst=3), clock=lambda: now[0])

    async def say(user: str, number: int) -> list[str]:
        inbound = Inbound("telegram", user, text="cài bluezone", message_id=f"{user}-{number}")
        return [reply.text for reply in (await any_engine.handle_turn(inbound)).replies]

    answered = [await say("9", n) for n in range(3)]
    assert all(answered), "the burst is answered"
    slow = await say("9", 3)
    assert len(slow) == 1 and "rất nhanh" in slow[0]
    assert await say("9", 4) == [] and await say("9", 5) == [], "told once, then ignored"
    other = await say("10", 0)
    assert other and "rất nhanh" not in other[0], "someone else is answered as usual"
    now[0] += 1.0  # one token back (60 a minute)
    again = await say("9", 6)
    assert again and "rất nhanh" not in again[0], "answered again once the bucket refilled"
