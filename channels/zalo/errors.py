"""What each documented Zalo error code means for us (the codes and their sources: wire.py)."""

from __future__ import annotations

import enum

from channels.zalo import wire


class Verdict(enum.Enum):
    """What to do after Zalo answered a send."""

    SENT = "sent"
    RETRY = "retry"  # a passing problem: back off and send again (a bounded number of times)
    REFRESH = "refresh"  # the access token: refresh once, then send again
    UNREACHABLE = "unreachable"  # the person cannot get OA messages: mark them, stop
    OUTSIDE_WINDOW = "outside_window"  # no interaction recently enough: stop, not unreachable
    QUOTA = "quota"  # no more messages to this person (or from this OA) for now: stop
    SHAPE = "shape"  # the message was refused as malformed (buttons: fall back to numbered)
    FAIL = "fail"  # anything else: log, do not retry


_VERDICTS: dict[int, Verdict] = {
    wire.OK: Verdict.SENT,
    wire.RATE_LIMITED: Verdict.RETRY,
    wire.UNKNOWN_RETRY: Verdict.RETRY,
    # -234 is a night-time refusal (wire.py): it passes.
    wire.NIGHT_TIME: Verdict.RETRY,
    wire.TOKEN_INVALID: Verdict.REFRESH,
    wire.TOKEN_EXPIRED: Verdict.REFRESH,
    wire.TOKEN_EXPIRED_ALT: Verdict.REFRESH,
    # The person: not a follower, blocked the OA's invitations, banned or away for 45 days,
    # restricted this message type. Marked unreachable until they write again.
    wire.NOT_FOLLOWER: Verdict.UNREACHABLE,
    wire.BLOCKED_INVITATION: Verdict.UNREACHABLE,
    wire.USER_BANNED: Verdict.UNREACHABLE,
    wire.TYPE_RESTRICTED: Verdict.UNREACHABLE,
    wire.NO_INTERACTION_7_DAYS: Verdict.OUTSIDE_WINDOW,
    wire.NO_INTERACTION: Verdict.OUTSIDE_WINDOW,
    wire.OUT_OF_QUOTA_RECEIVE: Verdict.QUOTA,
    wire.OUT_OF_QUOTA: Verdict.QUOTA,
    **dict.fromkeys(wire.TEMPLATE_REFUSED, Verdict.SHAPE),
    # The OA or the app (a setting to fix, not a person): fail, loudly.
    wire.OA_DISABLED: Verdict.FAIL,
    wire.OA_MISSING: Verdict.FAIL,
    wire.API_NOT_SUPPORTED: Verdict.FAIL,
    wire.API_NOT_REGISTERED: Verdict.FAIL,
    wire.APP_DISABLED: Verdict.FAIL,
    wire.OA_NOT_VERIFIED: Verdict.FAIL,
    wire.API_NOT_AUTHORIZED: Verdict.FAIL,
    wire.TIER_REQUIRED: Verdict.FAIL,
    wire.OA_TYPE_UNSUPPORTED: Verdict.FAIL,
    wire.V2_SHUT_DOWN: Verdict.FAIL,
    wire.NO_CLOUD_ACCOUNT: Verdict.FAIL,
    wire.CLOUD_ACCOUNT_EMPTY: Verdict.FAIL,
}

DOCUMENTED = frozenset(_VERDICTS)


def verdict(code: int) -> Verdict:
    """The verdict for an error code; an undocumented one fails (and is never retried)."""
    return _VERDICTS.get(code, Verdict.FAIL)
