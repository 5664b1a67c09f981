"""Broadcasts and their delivery queue in the database (plain Core functions of a Connection).
It is long because every query of the broadcast tables lives here, so that the sender, the
admin flows and the CLI never write SQL of their own.

Crash safety comes from the queue: a delivery is claimed with a lease (state "sending",
`lease_until`), and only marked sent after the channel accepted it. A sender killed in the
middle leaves leases that expire; the next sender takes those deliveries again, so nobody is
skipped and the only possible duplicates are the deliveries in flight at the kill: sent to
the channel but not yet recorded (at most the sender's concurrency per channel). On
PostgreSQL claims use FOR UPDATE SKIP LOCKED, so two senders never take the same delivery;
on SQLite the database's single writer does the same.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, bindparam, func, insert, literal, or_, select, true, update
from sqlalchemy.engine import Connection

from bot.broadcasts.schedule import next_run
from bot.broadcasts.segments import Segment, conditions
from bot.storage import dialect
from bot.storage.models import Broadcast, Delivery, User

# command -> (states it applies to, the state it leads to)
TRANSITIONS = {
    "pause": ({"scheduled", "sending"}, "paused"),
    "resume": ({"paused"}, "scheduled"),
    "cancel": ({"draft", "scheduled", "sending", "paused"}, "cancelled"),
}
OPEN = ("pending", "sending")
_COLUMNS = tuple(Broadcast.__table__.columns)


@dataclass(frozen=True)
class BroadcastRow:
    """A broadcast as stored."""

    id: int
    texts: dict[str, str]
    buttons: list[dict[str, Any]]
    segment: Segment
    state: str
    every: str | None
    until: dt.datetime | None
    next_run_at: dt.datetime | None
    occurrence: int
    created_by: str


@dataclass(frozen=True)
class Claimed:
    """A delivery taken by a sender, with what it needs to send it."""

    id: int
    broadcast_id: int
    user_id: int
    channel: str
    external_id: str
    locale: str
    province: str | None
    subscribed: bool
    unreachable: bool
    attempts: int  # how many times it has been taken, this time included


@dataclass(frozen=True)
class Result:
    """What became of a delivery: "sent", "failed", "skipped" (with the reason), or "pending"
    again with `retry_at`."""

    delivery_id: int
    state: str
    reason: str | None = None
    retry_at: dt.datetime | None = None
    unreachable: bool = False  # the channel says the person cannot be reached any more


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite returns naive datetimes
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _row(row: Any) -> BroadcastRow:
    return BroadcastRow(
        id=row.id,
        texts=dict(row.texts),
        buttons=list(row.buttons.get("items", [])),
        segment=Segment.from_json(row.segment),
        state=row.state,
        every=row.every,
        until=_aware(row.until),
        next_run_at=_aware(row.next_run_at),
        occurrence=row.occurrence,
        created_by=row.created_by,
    )


def create(
    connection: Connection,
    texts: dict[str, str],
    segment: Segment,
    first_run: dt.datetime,
    every: str | None = None,
    until: dt.datetime | None = None,
    buttons: list[dict[str, Any]] | None = None,
    created_by: str = "cli",
    progress: dict[str, Any] | None = None,
) -> int:
    """Store a scheduled broadcast; its id."""
    return int(
        connection.execute(
            insert(Broadcast)
            .values(
                texts=texts,
                buttons={"items": buttons or []},
                segment=segment.to_json(),
                state="scheduled",
                every=every,
                until=until,
                next_run_at=first_run,
                occurrence=0,
                created_by=created_by,
                created_at=dt.datetime.now(dt.UTC),
                progress=progress,
            )
            .returning(Broadcast.id)
        ).scalar_one()
    )


def get(connection: Connection, broadcast_id: int) -> BroadcastRow | None:
    """One broadcast, or None."""
    row = connection.execute(select(*_COLUMNS).where(Broadcast.id == broadcast_id)).first()
    return _row(row) if row else None


def latest(connection: Connection, limit: int = 50) -> list[BroadcastRow]:
    """The newest broadcasts first."""
    rows = connection.execute(select(*_COLUMNS).order_by(Broadcast.id.desc()).limit(limit))
    return [_row(r) for r in rows]


def change_state(connection: Connection, broadcast_id: int, command: str) -> str | None:
    """Pause, resume or cancel; the new state, or None when the command does not apply."""
    allowed, target = TRANSITIONS[command]
    result = connection.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.state.in_(allowed))
        .values(state=target)
    )
    if not result.rowcount:
        return None
    if command == "resume":
        # A broadcast paused in the middle of an occurrence carries on with it.
        open_deliveries = connection.execute(
            select(func.count()).where(
                Delivery.broadcast_id == broadcast_id, Delivery.state.in_(OPEN)
            )
        ).scalar_one()
        if open_deliveries:
            connection.execute(
                update(Broadcast).where(Broadcast.id == broadcast_id).values(state="sending")
            )
            return "sending"
    return target


def due(connection: Connection, now: dt.datetime) -> list[int]:
    """Scheduled broadcasts whose time has come."""
    return list(
        connection.execute(
            select(Broadcast.id)
            .where(Broadcast.state == "scheduled", Broadcast.next_run_at <= now)
            .order_by(Broadcast.next_run_at)
        ).scalars()
    )


def start_occurrence(connection: Connection, broadcast_id: int, now: dt.datetime) -> int:
    """Queue one delivery per person of the segment (one INSERT ... SELECT: the audience is
    never loaded into memory); the broadcast is then "sending". Returns how many."""
    row = get(connection, broadcast_id)
    if row is None or row.state != "scheduled":
        return 0
    occurrence = row.occurrence + 1
    # Queued in the order people came, whatever index the filters use.
    people = (
        select(
            literal(broadcast_id),
            literal(occurrence),
            User.id,
            User.channel,
            literal("pending"),
            literal(0),
        )
        .where(*conditions(row.segment, now))
        .order_by(User.id)
    )
    result = connection.execute(
        dialect.insert(connection, Delivery)
        .from_select(
            ["broadcast_id", "occurrence", "user_id", "channel", "state", "attempts"], people
        )
        .on_conflict_do_nothing()
    )
    connection.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(state="sending", occurrence=occurrence, next_run_at=None)
    )
    return int(result.rowcount or 0)


# Claim statements are built once, with parameters: building them per claim cost more
# Python time than SQLite took to run them, and a claim holds the database meanwhile.
_SENDING_NOW = (
    select(Broadcast.id, Broadcast.occurrence)
    .where(Broadcast.state == "sending")
    .order_by(Broadcast.id)
)
_MINE = (
    Delivery.broadcast_id == bindparam("broadcast_id"),
    Delivery.occurrence == bindparam("occurrence"),
)
_AGAIN = (
    select(Delivery.id)
    .where(*_MINE, Delivery.state.in_(OPEN), Delivery.lease_until <= bindparam("now"))
    .order_by(Delivery.lease_until)
    .limit(bindparam("limit", type_=Integer))
)
_FRESH = (
    select(Delivery.id)
    .where(*_MINE, Delivery.state == "pending", Delivery.lease_until.is_(None))
    .order_by(Delivery.id)
    .limit(bindparam("limit", type_=Integer))
)
_LOCKED = {query: query.with_for_update(skip_locked=True) for query in (_AGAIN, _FRESH)}
_TAKE = (
    update(Delivery)
    .where(Delivery.id.in_(bindparam("ids", expanding=True)))
    .values(state="sending", lease_until=bindparam("until"), attempts=Delivery.attempts + 1)
)
_CLAIMED = (
    select(
        Delivery.id,
        Delivery.broadcast_id,
        Delivery.user_id,
        Delivery.channel,
        User.external_id,
        User.locale,
        User.province,
        User.subscribed,
        User.unreachable_since,
        Delivery.attempts,
    )
    .join(User, User.id == Delivery.user_id)
    .where(Delivery.id.in_(bindparam("ids", expanding=True)))
    .order_by(Delivery.id)
)


def claim(
    connection: Connection, limit: int, lease: dt.timedelta, now: dt.datetime
) -> list[Claimed]:
    """Take up to `limit` deliveries of broadcasts that are sending: first those due again
    (a retry whose time came, a lease that ran out because its sender died), then new ones
    in order. Each query reads one occurrence through `ix_deliveries_claim`, so a claim
    costs the same at the end of a 100,000-person broadcast as at its start."""
    postgres = connection.dialect.name == "postgresql"
    ids: list[int] = []
    for broadcast_id, occurrence in connection.execute(_SENDING_NOW).all():
        for query in (_AGAIN, _FRESH):
            if len(ids) >= limit:
                break
            parameters = {
                "broadcast_id": broadcast_id,
                "occurrence": occurrence,
                "now": now,
                "limit": limit - len(ids),
            }
            ids += connection.execute(_LOCKED[query] if postgres else query, parameters).scalars()
    if not ids:
        return []
    connection.execute(_TAKE, {"ids": ids, "until": now + lease})
    return [
        Claimed(
            id=row[0],
            broadcast_id=row[1],
            user_id=row[2],
            channel=row[3],
            external_id=row[4],
            locale=row[5],
            province=row[6],
            subscribed=row[7],
            unreachable=row[8] is not None,
            attempts=row[9],
        )
        for row in connection.execute(_CLAIMED, {"ids": ids})
    ]


_RECORD = (
    update(Delivery)
    .where(Delivery.id == bindparam("r_id"))
    .values(
        state=bindparam("r_state"),
        reason=bindparam("r_reason"),
        lease_until=bindparam("r_lease"),
        sent_at=bindparam("r_sent"),
    )
)


def record(connection: Connection, results: list[Result], now: dt.datetime) -> None:
    """Record what became of deliveries, in one statement (the sender writes in batches)."""
    if not results:
        return
    connection.execute(
        _RECORD,
        [
            {
                "r_id": result.delivery_id,
                "r_state": result.state,
                "r_reason": result.reason,
                "r_lease": result.retry_at,
                "r_sent": now if result.state == "sent" else None,
            }
            for result in results
        ],
    )
    lost = [result.delivery_id for result in results if result.unreachable]
    if lost:
        connection.execute(
            update(User)
            .where(
                User.id.in_(select(Delivery.user_id).where(Delivery.id.in_(lost))),
                User.unreachable_since.is_(None),
            )
            .values(unreachable_since=now)
        )


def finish(
    connection: Connection,
    delivery_id: int,
    state: str,
    reason: str | None,
    now: dt.datetime,
) -> None:
    """Record the outcome of one delivery: sent, failed or skipped (with the reason)."""
    record(connection, [Result(delivery_id, state, reason)], now)


def advance(connection: Connection, broadcast_id: int, now: dt.datetime) -> str | None:
    """When an occurrence has nothing left to send: schedule the next one (recurring, before
    `until`) or finish. Returns the new state, or None when there is still work."""
    row = get(connection, broadcast_id)
    if row is None or row.state != "sending":
        return None
    left = connection.execute(
        select(func.count()).where(
            Delivery.broadcast_id == broadcast_id,
            Delivery.occurrence == row.occurrence,
            Delivery.state.in_(OPEN),
        )
    ).scalar_one()
    if left:
        return None
    following = next_run(row.every, now) if row.every else None
    if following is not None and (row.until is None or following <= row.until):
        connection.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id)
            .values(state="scheduled", next_run_at=following)
        )
        return "scheduled"
    connection.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(state="done"))
    return "done"


def report(connection: Connection, broadcast_id: int) -> dict[str, Any] | None:
    """The status of a broadcast's current occurrence, with a breakdown.

    `{"id", "state", "occurrence", "total", "sent", "failed", "skipped", "pending",
    "by_channel", "by_province", "reasons"}`.
    """
    row = get(connection, broadcast_id)
    if row is None:
        return None
    rows = connection.execute(
        select(Delivery.state, Delivery.channel, User.province, Delivery.reason, func.count())
        .join(User, User.id == Delivery.user_id)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.occurrence == row.occurrence)
        .group_by(Delivery.state, Delivery.channel, User.province, Delivery.reason)
    ).all()
    states: Counter[str] = Counter()
    by_channel: dict[str, Counter[str]] = {}
    by_province: dict[str, Counter[str]] = {}
    reasons: Counter[str] = Counter()
    for state, channel, province, reason, count in rows:
        bucket = "pending" if state in OPEN else state
        states[bucket] += count
        by_channel.setdefault(channel, Counter())[bucket] += count
        by_province.setdefault(province or "unknown", Counter())[bucket] += count
        if reason and bucket in ("failed", "skipped"):
            reasons[reason] += count
    return {
        "id": row.id,
        "state": row.state,
        "occurrence": row.occurrence,
        "total": sum(states.values()),
        "sent": states["sent"],
        "failed": states["failed"],
        "skipped": states["skipped"],
        "pending": states["pending"],
        "by_channel": {k: dict(v) for k, v in by_channel.items()},
        "by_province": {k: dict(v) for k, v in by_province.items()},
        "reasons": dict(reasons),
    }


def sending(connection: Connection) -> list[int]:
    """Broadcasts in the middle of an occurrence."""
    return list(
        connection.execute(select(Broadcast.id).where(Broadcast.state == "sending")).scalars()
    )


def progress_turn(
    connection: Connection, broadcast_id: int, now: dt.datetime, every: dt.timedelta, final: bool
) -> dict[str, Any] | None:
    """Where to show this broadcast's progress, if it is time to update it: at most once per
    `every`, and always at the end (`final`). Taking the turn is one conditional UPDATE, so
    with several senders only one updates the message."""
    due_again = or_(Broadcast.progress_at.is_(None), Broadcast.progress_at <= now - every)
    result = connection.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.progress.is_not(None),
            true() if final else due_again,
        )
        .values(progress_at=now)
    )
    if not result.rowcount:
        return None
    target = connection.execute(
        select(Broadcast.progress).where(Broadcast.id == broadcast_id)
    ).scalar_one_or_none()
    return dict(target) if target else None


def remember_progress_message(connection: Connection, broadcast_id: int, ref: str) -> None:
    """The channel's id of the progress message, so that the next update edits it."""
    target = connection.execute(
        select(Broadcast.progress).where(Broadcast.id == broadcast_id)
    ).scalar_one_or_none()
    if target is not None:
        connection.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id)
            .values(progress={**target, "ref": ref})
        )


def _over_open_deliveries(column: Any) -> Any:
    """`SELECT column` over the unfinished deliveries of the broadcasts that are sending."""
    return (
        select(column)
        .select_from(Delivery)
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .where(
            Broadcast.state == "sending",
            Delivery.occurrence == Broadcast.occurrence,
            Delivery.state.in_(OPEN),
        )
    )


def open_count(connection: Connection) -> int:
    """Deliveries of sending broadcasts that are not finished yet."""
    return int(connection.execute(_over_open_deliveries(func.count())).scalar_one())


def next_retry(connection: Connection) -> dt.datetime | None:
    """When the next open delivery of a sending broadcast can be taken (a retry's time, or a
    killed sender's lease running out); None when there is none."""
    query = _over_open_deliveries(func.min(Delivery.lease_until))
    return _aware(connection.execute(query).scalar_one_or_none())


def audience_size(connection: Connection, segment: Segment, now: dt.datetime) -> int:
    """How many people a broadcast to `segment` would reach now."""
    return int(
        connection.execute(
            select(func.count()).select_from(User).where(*conditions(segment, now))
        ).scalar_one()
    )
