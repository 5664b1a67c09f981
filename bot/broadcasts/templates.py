"""Broadcast texts are Jinja2 templates, checked before anything is sent.

A sandboxed environment with strict undefined variables: a typo fails at creation, not in
front of 100,000 people. The output is plain text; each channel escapes it for its wire
format (Telegram HTML escapes everything), so what people typed never becomes markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

ENVIRONMENT = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
VARIABLES = ("province", "locale")


@dataclass(frozen=True)
class Recipient:
    """What a template may use about a person (we store no names)."""

    province: str = ""
    locale: str = "vi"


def render(template: str, recipient: Recipient) -> str:
    """The text for one person."""
    return ENVIRONMENT.from_string(template).render(
        province=recipient.province, locale=recipient.locale
    )


def problems(texts: dict[str, str], limit: int) -> list[str]:
    """What is wrong with a broadcast's texts (empty when they can be sent)."""
    found: list[str] = []
    if not texts.get("vi"):
        found.append("a Vietnamese text is required")
    for locale, template in texts.items():
        try:
            sample = render(template, Recipient(province="Quảng Ngãi", locale=locale))
        except TemplateError as error:
            found.append(f"{locale}: {error}")
            continue
        if not sample.strip():
            found.append(f"{locale}: the text is empty")
        elif len(sample) > limit:
            found.append(f"{locale}: {len(sample)} characters, over the limit of {limit}")
    return found
