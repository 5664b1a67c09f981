"""Broadcast templates cannot stall the server: each attack is refused quickly and clearly."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.broadcasts.templates import (
    MAX_RENDERED_CHARS,
    RENDER_SECONDS,
    Recipient,
    TemplateLimitError,
    problems,
    problems_off_loop,
    render,
    render_off_loop,
)

ATTACKS = {
    "huge power": ("{{ 9**(9**9) }}", "too large"),
    "huge power of a variable": ("{% set n = 9**9 %}{{ 7**n }}", "too large"),
    "huge string": ("{{ 'x' * 10**9 }}", "too large"),
    "huge list": ("{{ ([1] * 10**9)|length }}", "too large"),
    "huge product": ("{{ (10**70) * (10**70) * (10**70) * (10**70) }}", "too large"),
    "huge range": ("{% for i in range(10**9) %}x{% endfor %}", "range()"),
    "nested loops": (
        "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "longer than",
    ),
    "recursive doubling": (
        "{% macro d(n) %}{% if n %}{{ d(n - 1) }}{{ d(n - 1) }}{% endif %}{% endmacro %}"
        "{{ d(40) }}",
        "longer than",
    ),
    "long output": (
        "{% for i in range(1000) %}{% for j in range(1000) %}xxxxxxxxxx{% endfor %}{% endfor %}",
        "characters long",
    ),
    "padding method": ("{{ 'x'.ljust(10**9) }}", "ljust"),
    "padding filter": ("{{ 'x'|center(10**9) }}", "center"),
    "printf width": ("{{ '%999999999d' % 1 }}", "formatting"),
    "format width": ("{{ '{:>999999999}'.format(1) }}", "format"),
    "namespace growth": (
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s }}",
        "namespace",
    ),
    "mutation growth": (
        "{% set l = [] %}{% for i in range(60) %}{{ l.append(l) }}{% endfor %}",
        "append",
    ),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_each_attack_is_refused_quickly_with_a_clear_reason(name: str) -> None:
    template, reason = ATTACKS[name]
    started = time.monotonic()
    found = problems({"vi": template}, 4096)
    took = time.monotonic() - started
    assert took < RENDER_SECONDS + 1.0, f"{name} took {took:.2f} s"
    assert len(found) == 1 and found[0].startswith("vi: "), found
    assert reason in found[0], found


def test_ordinary_templates_still_work() -> None:
    template = (
        "{% if locale == 'en' %}Hello{% else %}Xin chào{% endif %} {{ province|upper }}: "
        "{{ 2 ** 10 }} {{ 'ab' * 3 }} {% for i in range(3) %}{{ i }}{% endfor %} "
        "{{ province.startswith('Sóc') }} {{ (province ~ '!')|length }}"
    )
    text = render(template, Recipient(province="Sóc Trăng", locale="en"))
    assert text == "Hello SÓC TRĂNG: 1024 ababab 012 True 10"
    assert problems({"vi": "Nhắc {{ province }}: hãy cài Bluezone"}, 2000) == []


def test_the_output_limit_is_checked_while_rendering() -> None:
    rows = MAX_RENDERED_CHARS // 1000
    just = (
        "{% for i in range(" + str(rows) + ") %}{% for j in range(100) %}0123456789"
        "{% endfor %}{% endfor %}"
    )
    assert len(render(just, Recipient())) == MAX_RENDERED_CHARS
    with pytest.raises(TemplateLimitError, match="characters long"):
        render(just + "!", Recipient())


async def test_the_event_loop_keeps_serving_while_a_slow_template_is_checked() -> None:
    slow = ATTACKS["nested loops"][0]
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(ticking())
    try:
        found = await problems_off_loop({"vi": slow}, 4096)
        with pytest.raises(TemplateLimitError):
            await render_off_loop(slow, Recipient())
    finally:
        ticker.cancel()
    assert "longer than" in found[0]
    assert ticks >= 10, "the loop ran other work while the template was being checked"
