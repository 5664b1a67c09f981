"""The SQLite file holds people's conversations and channel credentials: owner only."""

from __future__ import annotations

import os
from pathlib import Path

SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_file(path: Path) -> None:
    """Make the SQLite file (and its folder, when created here) readable by its owner only.

    The file is created 0600 before SQLite opens it; SQLite gives its -wal and -shm files
    the database file's permissions. Files of an older install are narrowed to 0600.
    """
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(descriptor)
    for candidate in (path, *(path.with_name(path.name + s) for s in SQLITE_SIDE_FILES)):
        if candidate.exists() and candidate.stat().st_mode & 0o077:
            candidate.chmod(0o600)
