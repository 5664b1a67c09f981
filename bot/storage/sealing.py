"""Channel credentials are encrypted at rest (Fernet, from the `cryptography` library).

The key comes from `SECRET_KEY` (a Fernet key, or any string of at least 32 characters,
which is hashed into one). Without it, a key is generated the first time a credential is
stored or read and kept in a file beside the SQLite database (`var/helpdesk.key` for
`var/helpdesk.db`; `var/credentials.key` under the working folder for PostgreSQL), readable
by its owner only (0600); the log says so once. Several machines sharing one PostgreSQL
database must share one `SECRET_KEY`.

A stored value is `fernet:<token>`. Anything without that prefix is a value stored before
encryption existed: it is read as it is, and `bot/storage/credentials.py` rewrites it sealed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:  # imported when a credential is first used: most commands never need it
    from cryptography.fernet import Fernet

log = logging.getLogger(__name__)

PREFIX = "fernet:"


class SealError(RuntimeError):
    """A stored credential cannot be decrypted with the configured key."""


def fernet_key(secret: str) -> bytes:
    """`secret` as a Fernet key: itself when it is one, else the SHA-256 of it."""
    raw = secret.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except (binascii.Error, ValueError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest())


def key_file_for(database_path: Path | None) -> Path:
    """Where a generated key is kept: beside the SQLite file, else under ./var/."""
    if database_path is not None:
        return database_path.with_suffix(".key")
    return Path("var") / "credentials.key"


def _read_or_create(path: Path) -> bytes:
    """The key in `path`, created (0600, atomically: the first process wins) if missing."""
    from cryptography.fernet import Fernet

    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        stored = path.read_bytes().strip()
        if not stored:
            raise SealError(f"the key file {path} is empty") from None
        return stored
    with os.fdopen(descriptor, "wb") as file:
        file.write(key + b"\n")
    log.warning(
        "SECRET_KEY is not set, so a key to encrypt channel credentials was generated into "
        "%s (readable by this user only). Keep it with the database and back it up: without "
        "it the stored credentials cannot be read. Several machines sharing one database "
        "need SECRET_KEY set to one value instead.",
        path,
    )
    return key


class Sealer:
    """Encrypts and decrypts credential values; the key is loaded on first use."""

    def __init__(self, secret_key: str | None, key_file: Path | None) -> None:
        self._secret_key = secret_key
        self._key_file = key_file
        self._fernet: Fernet | None = None
        self._lock = threading.Lock()

    def _cipher(self) -> Fernet:
        from cryptography.fernet import Fernet

        with self._lock:
            if self._fernet is None:
                if self._secret_key:
                    key = fernet_key(self._secret_key)
                elif self._key_file is not None:
                    key = _read_or_create(self._key_file)
                else:  # a throw-away in-memory database: a throw-away key
                    key = Fernet.generate_key()
                self._fernet = Fernet(key)
            return self._fernet

    def seal(self, value: str) -> str:
        """`value` encrypted, as stored."""
        return PREFIX + self._cipher().encrypt(value.encode()).decode()

    def open(self, stored: str) -> str:
        """A stored value in clear; one stored before encryption is returned as it is."""
        from cryptography.fernet import InvalidToken

        if not is_sealed(stored):
            return stored
        try:
            return self._cipher().decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            where = "SECRET_KEY" if self._secret_key else f"the key file {self._key_file}"
            raise SealError(
                f"stored channel credentials cannot be decrypted with {where}: was the key "
                "changed or lost? Restore it, or delete the row in channel_credentials and "
                "set the channel's tokens again"
            ) from None


def is_sealed(stored: str) -> bool:
    """True for a value stored encrypted."""
    return stored.startswith(PREFIX)


SEALER_INFO_KEY = "helpdesk.sealer"


def attach_sealer(engine: Engine, sealer: Sealer) -> None:
    """Every connection carries the database's sealer, for the credentials functions."""

    @event.listens_for(engine, "connect")
    def _on_connect(_dbapi_connection: Any, record: Any) -> None:
        record.info[SEALER_INFO_KEY] = sealer


def sealer_of(connection: Connection) -> Sealer:
    """The sealer of the database this connection belongs to."""
    sealer = connection.info.get(SEALER_INFO_KEY)
    if not isinstance(sealer, Sealer):
        raise RuntimeError("this connection was not opened by bot.storage.Database")
    return sealer
