"""Guide funnels from the guide events: started → each step → completed, or where it failed.

What the events allow: a start names the branch (Android, iPhone...); a step event names the
guide and the step id (shared by the branches), not the branch; there is no event for
simply reaching a step, so someone who goes quiet cannot be placed on a step. Per step the
funnel shows the "It doesn't work" taps, the people handed the hotlines there (the second
failure of a step), and those who stopped the guide there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from bot.admin.period import Filters, where
from bot.content import Content, Guide
from bot.storage.models import Event

GUIDE_KINDS = (
    "guide_started",
    "step_failed",
    "guide_stopped",
    "guide_completed",
    "guide_not_working",
)


@dataclass(frozen=True)
class StepFigures:
    """One step of a guide (its id, and its text in the first branch that has it)."""

    step: str
    failed: int = 0  # "It doesn't work" taps
    escalated: int = 0  # failed twice: handed the hotlines ("failed at this step")
    stopped: int = 0


@dataclass(frozen=True)
class Funnel:
    """A guide's funnel over the filters' range."""

    guide: str
    started: int
    started_by_branch: dict[str, int] = field(default_factory=dict)
    steps: tuple[StepFigures, ...] = ()
    completed: int = 0
    not_working: int = 0  # reached the end and said it did not work

    @property
    def escalated(self) -> int:
        """People handed the hotlines at some step."""
        return sum(step.escalated for step in self.steps)

    @property
    def without_outcome(self) -> int:
        """Starts that ended in nothing recorded: left quietly, stopped, or still under way."""
        return max(0, self.started - self.completed - self.not_working - self.escalated)

    @property
    def completion(self) -> float | None:
        """Completed starts as a share of all starts."""
        return self.completed / self.started if self.started else None


def _step_order(guide: Guide) -> list[str]:
    order: list[str] = []
    for branch in guide.branches:
        order += [step.id for step in branch.steps if step.id not in order]
    return order


def guide_funnels(connection: Connection, filters: Filters, content: Content) -> list[Funnel]:
    """The funnel of every guide of the content, in the content's order."""
    rows = connection.execute(
        select(Event.guide, Event.kind, Event.step, Event.detail, func.count())
        .where(
            Event.kind.in_(GUIDE_KINDS),
            Event.guide.is_not(None),
            *where(filters, Event.created_at, Event.province),
        )
        .group_by(Event.guide, Event.kind, Event.step, Event.detail)
    ).all()
    counts: dict[str, Counter[tuple[str, str | None, str | None]]] = {}
    for guide_id, kind, step, detail, count in rows:
        counts.setdefault(str(guide_id), Counter())[(str(kind), step, detail)] += int(count)
    funnels: list[Funnel] = []
    for guide in content.guides.values():
        found = counts.get(guide.id, Counter())
        by_branch = {
            branch.id: found[("guide_started", None, branch.id)] for branch in guide.branches
        }
        steps = tuple(
            StepFigures(
                step=step_id,
                failed=sum(
                    n for (k, s, _), n in found.items() if k == "step_failed" and s == step_id
                ),
                escalated=sum(
                    n
                    for (k, s, d), n in found.items()
                    if k == "step_failed" and s == step_id and d is not None and d != "1"
                ),
                stopped=found[("guide_stopped", step_id, None)],
            )
            for step_id in _step_order(guide)
        )
        funnels.append(
            Funnel(
                guide=guide.id,
                started=sum(by_branch.values()),
                started_by_branch=by_branch,
                steps=steps,
                completed=sum(n for (k, _, _), n in found.items() if k == "guide_completed"),
                not_working=sum(n for (k, _, _), n in found.items() if k == "guide_not_working"),
            )
        )
    return funnels
