"""When broadcasts go out: a time, or a recurring rule (cron), outside quiet hours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from croniter import croniter

DEFAULT_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def valid_rule(rule: str) -> bool:
    """True for a cron rule such as "0 8 * * 1" (every Monday 08:00)."""
    return bool(croniter.is_valid(rule))


def next_run(rule: str, after: dt.datetime, zone: ZoneInfo = DEFAULT_ZONE) -> dt.datetime:
    """The next time `rule` fires after `after`, read in the campaign's time zone; in UTC."""
    local = after.astimezone(zone)
    following: dt.datetime = croniter(rule, local).get_next(dt.datetime)
    if following.tzinfo is None:
        following = following.replace(tzinfo=zone)
    return following.astimezone(dt.UTC)


@dataclass(frozen=True)
class QuietHours:
    """No sending between `start` and `end` local time (21:00-07:00 by default); equal
    `start` and `end` (NEVER_QUIET) is never quiet."""

    start: dt.time = dt.time(21, 0)
    end: dt.time = dt.time(7, 0)
    zone: ZoneInfo = DEFAULT_ZONE

    def quiet(self, moment: dt.datetime) -> bool:
        """True when `moment` falls in the quiet hours."""
        local = moment.astimezone(self.zone).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def resume_at(self, moment: dt.datetime) -> dt.datetime:
        """When sending may start again (`moment` itself when it is not quiet); in UTC."""
        if not self.quiet(moment):
            return moment
        local = moment.astimezone(self.zone)
        day = local.date() if local.time() < self.end else local.date() + dt.timedelta(days=1)
        return dt.datetime.combine(day, self.end, tzinfo=self.zone).astimezone(dt.UTC)


NEVER_QUIET = (dt.time(0, 0), dt.time(0, 0))
