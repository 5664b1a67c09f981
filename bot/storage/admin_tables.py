"""Admin console accounts and sessions (issue 15)."""

from __future__ import annotations

from bot.storage.models import Base  # noqa: F401
