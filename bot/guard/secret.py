"""Comparing a secret a request carries with the one expected, in constant time.

aiohttp decodes header bytes that are not UTF-8 with surrogate escapes, and `str.encode()`
raises on those; the comparison here encodes them as they are (`surrogatepass`), so such a
header is simply a wrong secret, refused like any other, and never an error.
"""

from __future__ import annotations

import hmac


def as_bytes(text: str) -> bytes:
    """`text` as UTF-8, with any surrogate (a header's undecodable byte) kept, never raising."""
    return text.encode("utf-8", "surrogatepass")


def same_secret(given: str, expected: str) -> bool:
    """True when `given` is `expected` (constant time in the secret's length); an empty
    `expected` matches nothing."""
    if not expected:
        return False
    return hmac.compare_digest(as_bytes(given), as_bytes(expected))
