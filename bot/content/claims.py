"""Claims carry their source: every label, number and web address an answer shows is tied to one.

A claim is what a person could check and find wrong: a **bold** label or path ("**Kích
hoạt**", "**Cài đặt** > **Ứng dụng**"), a number ("6.0", "10%", "26/8/2021") or a web address.
Each must be listed, with the source it comes from, in the `claims:` of the topic, province
answer or guide that shows it (and that source must be among the ones it cites), or in
`content/claims.yaml`, the names and terms any answer may use. Sentences of plain advice carry
no such marks and are reviewed by people (docs/content-review.md), not by this check.

The English text must claim what the Vietnamese claims, no more, no less: the same numbers,
the same addresses and as many bold labels.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.content.models import Content, Localized

BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
ADDRESS = re.compile(
    r"(?:https?://)?(?:[a-z0-9-]+\.)+(?:vn|com|org|net|gov)(?:/[^\s)\"',]*)?", re.I
)
# A number, but not the one in a name such as "Covid-19".
NUMBER = re.compile(r"(?<![\w.])(?<![A-Za-z]-)\d+(?:[.,/:x×-]\s?\d+)*(?:\s?%)?(?![\w])")
# "1. Open…" and "- Tap…" start list items; their numbers are not claims.
LIST_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-•])\s+", re.M)


@dataclass(frozen=True, slots=True)
class Unit:
    """One text a person may be shown, with what it cites."""

    where: str
    text: Localized
    sources: tuple[str, ...]
    claims: Mapping[str, str]


def _key(claim: str) -> str:
    return " ".join(unicodedata.normalize("NFC", claim).casefold().split())


def cited_source(cited: str) -> str:
    """The source id of a claim's citation ("bluezone-code: app/translations/vi.json")."""
    return cited.split(":", 1)[0].strip()


def claims_in(text: str) -> list[str]:
    """The claims of one text: bold spans, then addresses and numbers outside them."""
    found = [span.strip() for span in BOLD.findall(text)]
    rest = LIST_MARKER.sub("", BOLD.sub(" ", text))
    for address in ADDRESS.findall(rest):
        found.append(address.rstrip(".").lower())
    for number in NUMBER.findall(ADDRESS.sub(" ", rest)):
        found.append(number.strip())
    return found


def facts_in(text: str) -> tuple[frozenset[str], frozenset[str], int]:
    """What must agree between languages: numbers, addresses, how many bold labels."""
    plain = LIST_MARKER.sub("", text)
    addresses = frozenset(a.rstrip(".").lower() for a in ADDRESS.findall(plain))
    numbers = frozenset(
        re.sub(r"\s", "", n).replace(",", ".") for n in NUMBER.findall(ADDRESS.sub(" ", plain))
    )
    return numbers, addresses, len(BOLD.findall(text))


def units(content: Content) -> Iterator[Unit]:
    """Every answer, province answer, phone answer and guide text, with what it cites."""
    for topic in content.topics.values():
        where = f"topic {topic.id}"
        yield Unit(where, topic.answer, topic.sources, topic.claims)
        for device, text in topic.device_answers.items():
            yield Unit(f"{where} ({device})", text, topic.sources, topic.claims)
        for province, variant in topic.variants.items():
            yield Unit(
                f"provinces/{province}.yaml: answer to {topic.id}",
                variant.answer,
                variant.sources,
                {**topic.claims, **variant.claims},
            )
    for guide in content.guides.values():
        where = f"guide {guide.id}"
        texts: list[tuple[str, Localized | None]] = [
            (f"{where} intro", guide.intro),
            (f"{where} done", guide.done),
        ]
        for branch in guide.branches:
            for step in branch.steps:
                step_where = f"{where}.{branch.id}.{step.id}"
                texts += [
                    (f"{step_where} text", step.text),
                    (f"{step_where} help", step.help),
                    (f"{step_where} check", step.check),
                ]
        for text_where, shown in texts:
            if shown is not None:
                yield Unit(text_where, shown, guide.sources, guide.claims)


def claim_errors(content: Content) -> list[str]:
    """Claims without a source, and claims whose source the text does not cite."""
    errors: list[str] = []
    terms = {_key(term): cited for term, cited in content.terms.items()}
    for term, cited in content.terms.items():
        if cited_source(cited) not in content.sources:
            errors.append(f"claims.yaml: {term!r} cites unknown source {cited_source(cited)!r}")
    for unit in units(content):
        local = {_key(claim): cited for claim, cited in unit.claims.items()}
        for claim, cited in unit.claims.items():
            if cited_source(cited) not in content.sources:
                errors.append(f"{unit.where}: claim {claim!r} cites unknown source {cited!r}")
        unsourced: set[tuple[str, str]] = set()
        for locale, value in unit.text.values.items():
            for claim in claims_in(value):
                key = _key(claim)
                if key in local:
                    source = cited_source(local[key])
                    if source not in unit.sources:
                        errors.append(
                            f"{unit.where}: {claim!r} comes from {source}, "
                            "which this answer does not list in its sources"
                        )
                elif key not in terms and (locale, claim) not in unsourced:
                    unsourced.add((locale, claim))
                    errors.append(
                        f"{unit.where}: {locale} claim {claim!r} has no source "
                        "(add it to `claims:` with its source, or say it without the label)"
                    )
    return errors


def parity_errors(content: Content) -> list[str]:
    """Answers whose English and Vietnamese do not claim the same numbers, addresses, labels."""
    errors: list[str] = []
    for unit in units(content):
        vi, en = unit.text.values.get("vi"), unit.text.values.get("en")
        if vi is None or en is None:
            continue
        (vi_numbers, vi_addresses, vi_bold), (en_numbers, en_addresses, en_bold) = (
            facts_in(vi),
            facts_in(en),
        )
        if vi_numbers != en_numbers:
            errors.append(
                f"{unit.where}: numbers differ between vi {sorted(vi_numbers)} "
                f"and en {sorted(en_numbers)}"
            )
        if vi_addresses != en_addresses:
            errors.append(
                f"{unit.where}: web addresses differ between vi {sorted(vi_addresses)} "
                f"and en {sorted(en_addresses)}"
            )
        if vi_bold != en_bold:
            errors.append(f"{unit.where}: {vi_bold} bold labels in vi but {en_bold} in en")
    return errors
