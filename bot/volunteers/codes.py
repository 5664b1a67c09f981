"""Codes people read aloud and type: invitation codes and referral codes.

Upper-case letters and digits without the look-alikes (I, O, 0, 1), so a code copied from
a poster or read over the phone is typed right. Referral codes are printed on posters and so
are public; the token that opens a volunteer's own page is a separate secret.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERRAL_LENGTH = 6
INVITATION_LENGTH = 8
TYPED_CODE = re.compile(r"^[A-Z2-9]{4,16}$")


def new_code(length: int) -> str:
    """A random code of `length` characters of ALPHABET."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_token() -> str:
    """A secret for a volunteer's personal page (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def typed_code(text: str) -> str | None:
    """A code as typed ("k7m2-qx9a", " K7M2QX9A "), normalised; None when it cannot be one."""
    code = re.sub(r"[\s-]", "", text).upper()
    return code if TYPED_CODE.match(code) else None
