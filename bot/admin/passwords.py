"""Passwords of console accounts: argon2id hashes (argon2-cffi), and what a password must be."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
# Argon2 reads the whole password; a megabyte typed into the form should not cost a hash.
MAX_LENGTH = 256


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    """argon2-cffi's hasher with its defaults (RFC 9106's low-memory profile, argon2id)."""
    return PasswordHasher()


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None when it will do."""
    if len(password) < MIN_LENGTH:
        return f"the password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"the password must be at most {MAX_LENGTH} characters long"
    if not password.strip():
        return "the password cannot be only spaces"
    return None


def hash_password(password: str) -> str:
    """The argon2id hash to store (salted; takes about a fifth of a second)."""
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when `password` matches the stored hash."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def decoy_hash() -> str:
    """A hash to verify against when the account does not exist, so that a wrong name takes
    as long as a wrong password and the answer time does not tell them apart."""
    return hash_password("not the password of anyone")
