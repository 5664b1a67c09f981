"""Volunteers, invitations, referrals and campaign reports (issue 17).

The least data that works: ids, codes and times, an organisation's name; never a person's
name or phone number. A referral links two user ids; a setup report holds the guide, the
province and the chosen agency and district ids (from `content/units/`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow


class VolunteerInvitation(Base):
    """A code an admin hands to an organisation: redeeming it makes a person a volunteer."""

    __tablename__ = "volunteer_invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    org: Mapped[str] = mapped_column(String(120))
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    used: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(64), default="cli")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Volunteer(Base):
    """A person who volunteers (status `active`) or asked to (`pending`).

    `referral_code` goes into the links they share (public: it is printed on posters);
    `token` opens their own impact page and is never shown to anyone else.
    """

    __tablename__ = "volunteers"
    __table_args__ = (Index("ix_volunteers_status", "status", "requested_at"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    org: Mapped[str | None] = mapped_column(String(120), default=None)
    referral_code: Mapped[str | None] = mapped_column(String(16), unique=True, default=None)
    token: Mapped[str | None] = mapped_column(String(43), unique=True, default=None)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer_invitations.id", ondelete="SET NULL"), default=None
    )
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    approved_by: Mapped[str | None] = mapped_column(String(64), default=None)


class Referral(Base):
    """Who brought a person: one row per person, so the first referral wins."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_volunteer", "volunteer_id", "created_at"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.user_id", ondelete="CASCADE"))
    # What the link opened: "guide:bluezone.install", "topic:qr.scan", or None.
    item: Mapped[str | None] = mapped_column(String(72), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReportCampaign(Base):
    """A drive an admin follows: a province, its guides, target groups and a date range.

    `ends_at` is exclusive: the midnight (Asia/Ho_Chi_Minh) after the deadline day.
    """

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    province: Mapped[str] = mapped_column(String(32))
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(64), default="cli")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CampaignGuide(Base):
    """A guide whose starts, completions and reports count for a campaign."""

    __tablename__ = "campaign_guides"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    guide: Mapped[str] = mapped_column(String(64), primary_key=True)


class SetupReport(Base):
    """A person saying "I have installed / re-activated" after a guide, with an optional
    agency and district. Kept unlinked when the person deletes their data, like events."""

    __tablename__ = "setup_reports"
    __table_args__ = (
        UniqueConstraint("user_id", "guide", name="uq_setup_reports_user_guide"),
        Index("ix_setup_reports_province_created", "province", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    guide: Mapped[str] = mapped_column(String(64))
    province: Mapped[str | None] = mapped_column(String(32), default=None)
    agency: Mapped[str | None] = mapped_column(String(32), default=None)
    district: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
