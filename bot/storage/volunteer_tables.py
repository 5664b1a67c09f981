"""Volunteers, invitations, referrals and campaign reports (issue 17)."""

from __future__ import annotations

from bot.storage.models import Base  # noqa: F401
