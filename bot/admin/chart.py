"""Bar charts drawn on the server as SVG: no script, no library, readable without colour
(each series has its own pattern of position and a legend), and described for screen
readers by its title; the numbers themselves are in the table under it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 28, 28
# Dark enough on white for graphics (WCAG 1.4.11 asks 3:1): 8.6:1 and 5.1:1.
COLOURS = ("#1d4e89", "#b3470b", "#2e6b30")


@dataclass(frozen=True)
class Series:
    """One series of bars: its name in the legend and a value per label."""

    name: str
    values: Sequence[int]


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = int(10 ** math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    number: Callable[[int], str],
) -> Markup:
    """An SVG bar chart: one group of bars per label, one bar per series."""
    top = nice_ceiling(max((max(s.values, default=0) for s in series), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group = plot_w / max(len(labels), 1)
    bar = max(group * 0.8 / max(len(series), 1), 1.0)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#767676" '
            f'stroke-width="{1 if fraction == 0 else 0.5}"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#222">{escape(number(round(top * fraction)))}</text>'
        )
    for index, _label in enumerate(labels):
        for number_of_series, one in enumerate(series):
            value = one.values[index] if index < len(one.values) else 0
            height = plot_h * value / top
            x = LEFT + index * group + group * 0.1 + number_of_series * bar
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar:.1f}" '
                f'height="{height:.1f}" fill="{COLOURS[number_of_series % len(COLOURS)]}"/>'
            )
    shown = sorted({0, len(labels) // 2, len(labels) - 1}) if labels else []
    for index in shown:
        x = LEFT + index * group + group / 2
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="12" '
            f'fill="#222">{escape(labels[index])}</text>'
        )
    x = LEFT
    for number_of_series, one in enumerate(series):
        colour = COLOURS[number_of_series % len(COLOURS)]
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="16" font-size="12" fill="#222">{escape(one.name)}</text>'
        )
        x += 24 + 8 * len(one.name)
    parts.append("</svg>")
    return Markup("".join(parts))
