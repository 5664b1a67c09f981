"""The SQL of volunteers: invitations, redeeming, asking and approval, referrals.

Plain functions of a SQLAlchemy `Connection`, run inside a chat turn (`ctx.storage.call`), by
the CLI (`database.run`) or by the admin pages. A turn holds its person's row locked, so the
read-then-write steps for one person (a referral, a request) cannot interleave.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute

from bot.storage.models import User
from bot.storage.volunteer_tables import Referral, Volunteer, VolunteerInvitation
from bot.volunteers.codes import INVITATION_LENGTH, REFERRAL_LENGTH, new_code, new_token

Redeemed = Literal["joined", "already", "unknown", "expired", "used_up"]
Asked = Literal["requested", "pending", "active"]
Attributed = Literal["recorded", "already", "self", "unknown"]


@dataclass(frozen=True, slots=True)
class Invitation:
    """An invitation code and how far it has been used."""

    id: int
    code: str
    org: str
    max_uses: int
    used: int
    expires_at: dt.datetime | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class VolunteerInfo:
    """A volunteer (or a request to become one), as the flows and admin pages show it."""

    user_id: int
    channel: str
    status: str
    org: str | None
    referral_code: str | None
    token: str | None
    requested_at: dt.datetime
    approved_at: dt.datetime | None


def aware(moment: dt.datetime) -> dt.datetime:
    """A stored time with its UTC zone (SQLite returns naive datetimes)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _unused(connection: Connection, column: InstrumentedAttribute[str | None], length: int) -> str:
    """A fresh code that no row has in `column` yet."""
    while True:
        code = new_code(length)
        if connection.execute(select(column).where(column == code)).first() is None:
            return code


def create_invitation(
    connection: Connection,
    org: str,
    uses: int,
    expires_at: dt.datetime | None,
    created_by: str,
    now: dt.datetime,
) -> Invitation:
    """A new invitation code for `org`, usable `uses` times until `expires_at` (or forever)."""
    if uses < 1 or not org.strip():
        raise ValueError("an invitation needs an organisation and at least one use")
    code = _unused(connection, VolunteerInvitation.code, INVITATION_LENGTH)
    identifier = connection.execute(
        insert(VolunteerInvitation)
        .values(
            code=code,
            org=org.strip()[:120],
            max_uses=uses,
            used=0,
            expires_at=expires_at,
            created_by=created_by[:64],
            created_at=now,
        )
        .returning(VolunteerInvitation.id)
    ).scalar_one()
    return Invitation(identifier, code, org.strip()[:120], uses, 0, expires_at, now)


def invitations(connection: Connection, limit: int = 50) -> list[Invitation]:
    """The newest invitations."""
    rows = connection.execute(
        select(VolunteerInvitation).order_by(VolunteerInvitation.id.desc()).limit(limit)
    )
    return [
        Invitation(
            r.id,
            r.code,
            r.org,
            r.max_uses,
            r.used,
            aware(r.expires_at) if r.expires_at else None,
            aware(r.created_at),
        )
        for r in rows
    ]


_VOLUNTEER = select(
    Volunteer.user_id,
    User.channel,
    Volunteer.status,
    Volunteer.org,
    Volunteer.referral_code,
    Volunteer.token,
    Volunteer.requested_at,
    Volunteer.approved_at,
).join(User, User.id == Volunteer.user_id)


def _info(values: RowMapping) -> VolunteerInfo:
    return VolunteerInfo(
        user_id=values["user_id"],
        channel=values["channel"],
        status=values["status"],
        org=values["org"],
        referral_code=values["referral_code"],
        token=values["token"],
        requested_at=aware(values["requested_at"]),
        approved_at=aware(values["approved_at"]) if values["approved_at"] else None,
    )


def volunteer_of(connection: Connection, user_id: int) -> VolunteerInfo | None:
    """The person's volunteer record (active or pending), or None."""
    row = connection.execute(_VOLUNTEER.where(Volunteer.user_id == user_id)).first()
    return _info(row._mapping) if row else None


def by_referral(connection: Connection, code: str) -> VolunteerInfo | None:
    """The active volunteer whose referral code this is, or None."""
    row = connection.execute(
        _VOLUNTEER.where(Volunteer.referral_code == code, Volunteer.status == "active")
    ).first()
    return _info(row._mapping) if row else None


def by_token(connection: Connection, token: str) -> VolunteerInfo | None:
    """The active volunteer whose personal-page token this is, or None."""
    row = connection.execute(
        _VOLUNTEER.where(Volunteer.token == token, Volunteer.status == "active")
    ).first()
    return _info(row._mapping) if row else None


def volunteers(connection: Connection, status: str | None = None) -> list[VolunteerInfo]:
    """Volunteers (and requests), oldest request first; only `status` when given."""
    query = _VOLUNTEER.order_by(Volunteer.requested_at, Volunteer.user_id)
    if status is not None:
        query = query.where(Volunteer.status == status)
    return [_info(row._mapping) for row in connection.execute(query)]


def _activate(
    connection: Connection,
    user_id: int,
    org: str | None,
    now: dt.datetime,
    approved_by: str,
    invitation_id: int | None = None,
) -> VolunteerInfo:
    """Make the person an active volunteer (creating or completing their record)."""
    values = {
        "status": "active",
        "referral_code": _unused(connection, Volunteer.referral_code, REFERRAL_LENGTH),
        "token": new_token(),
        "approved_at": now,
        "approved_by": approved_by[:64],
        "invitation_id": invitation_id,
    }
    if org:
        values["org"] = org.strip()[:120]
    if volunteer_of(connection, user_id) is None:
        connection.execute(insert(Volunteer).values(user_id=user_id, requested_at=now, **values))
    else:
        connection.execute(update(Volunteer).where(Volunteer.user_id == user_id).values(**values))
    # Admins keep their role; everyone else becomes a volunteer (broadcast segments use it).
    connection.execute(
        update(User).where(User.id == user_id, User.role == "citizen").values(role="volunteer")
    )
    found = volunteer_of(connection, user_id)
    assert found is not None
    return found


def redeem(
    connection: Connection, user_id: int, code: str, now: dt.datetime
) -> tuple[Redeemed, VolunteerInfo | None]:
    """Use an invitation code: the outcome, and the volunteer it made (or already was)."""
    current = volunteer_of(connection, user_id)
    if current is not None and current.status == "active":
        return "already", current
    invitation = connection.execute(
        select(VolunteerInvitation).where(VolunteerInvitation.code == code)
    ).first()
    if invitation is None:
        return "unknown", None
    if invitation.expires_at is not None and aware(invitation.expires_at) <= now:
        return "expired", None
    # Counted atomically: two people redeeming the last use at once cannot both get it.
    taken = connection.execute(
        update(VolunteerInvitation)
        .where(
            VolunteerInvitation.id == invitation.id,
            VolunteerInvitation.used < VolunteerInvitation.max_uses,
        )
        .values(used=VolunteerInvitation.used + 1)
    )
    if not taken.rowcount:
        return "used_up", None
    made = _activate(connection, user_id, invitation.org, now, f"code:{code}", invitation.id)
    return "joined", made


def ask(connection: Connection, user_id: int, org: str | None, now: dt.datetime) -> Asked:
    """Ask to become a volunteer; an admin approves it (`approve`)."""
    current = volunteer_of(connection, user_id)
    if current is not None:
        return "active" if current.status == "active" else "pending"
    connection.execute(
        insert(Volunteer).values(
            user_id=user_id,
            status="pending",
            org=org.strip()[:120] if org else None,
            requested_at=now,
        )
    )
    return "requested"


def approve(
    connection: Connection,
    user_id: int,
    approved_by: str,
    now: dt.datetime,
    org: str | None = None,
) -> VolunteerInfo | None:
    """Approve a pending request; None when there is no pending request from this person."""
    current = volunteer_of(connection, user_id)
    if current is None or current.status != "pending":
        return None
    return _activate(connection, user_id, org, now, approved_by)


def attribute(
    connection: Connection, user_id: int, code: str, item: str | None, now: dt.datetime
) -> Attributed:
    """Record that the person came through the volunteer's link `code`: the first referral
    wins, a volunteer's own link does not count, an unknown code is ignored."""
    volunteer = by_referral(connection, code)
    if volunteer is None:
        return "unknown"
    if volunteer.user_id == user_id:
        return "self"
    if connection.execute(select(Referral.user_id).where(Referral.user_id == user_id)).first():
        return "already"
    connection.execute(
        insert(Referral).values(
            user_id=user_id,
            volunteer_id=volunteer.user_id,
            item=item[:72] if item else None,
            created_at=now,
        )
    )
    return "recorded"
