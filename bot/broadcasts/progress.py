"""How far a broadcast got, in words: for the admin's progress message and `/broadcasts`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.i18n import N_

STATES = {
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "sending": N_("sending"),
    "paused": N_("paused"),
    "done": N_("done"),
    "cancelled": N_("cancelled"),
}
BAR = 10


def reason_words() -> dict[str, str]:
    """Reasons for skipping a delivery that read better in words, as the channels declare
    them (others are shown as they are)."""
    from bot.plugins import profiles

    return {
        reason: words for profile in profiles() for reason, words in profile.skip_reasons.items()
    }


def status_line(report: Mapping[str, Any], gettext: Callable[[str], str]) -> str:
    """`#12 sending: 4500 sent, 5400 waiting, 3 failed, 97 skipped` in the admin's language."""
    state = gettext(STATES.get(report["state"], report["state"]))
    return gettext(
        "#{id} {state}: {sent} sent, {pending} waiting, {failed} failed, {skipped} skipped"
    ).format(**{**report, "state": state})


def progress_text(report: Mapping[str, Any], gettext: Callable[[str], str]) -> str:
    """The progress message: a bar, the counts, and the reasons for skips and failures."""
    total = report["total"] or 1
    finished = report["sent"] + report["failed"] + report["skipped"]
    filled = round(BAR * finished / total)
    lines = [
        gettext("📣 Broadcast progress"),
        f"{'▓' * filled}{'░' * (BAR - filled)} {finished * 100 // total}%",
        status_line(report, gettext),
    ]
    reasons: Mapping[str, int] = report.get("reasons", {})
    if reasons:
        words = reason_words()
        why = ", ".join(
            f"{gettext(words[reason]) if reason in words else reason} {count}"
            for reason, count in sorted(reasons.items())
        )
        lines.append(gettext("Not sent: {reasons}").format(reasons=why))
    return "\n".join(lines)
