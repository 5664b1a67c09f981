"""Province truth: what a person of one province is told never rests on another province's letter.

A letter binds only its own province (Quảng Ngãi required staff to install Bluezone; Sóc Trăng
only recommended it). So, for every province, the answer it is shown, national or its own, may
cite national sources and that province's letters only, and may not name another province;
guides are shown everywhere and cite national sources only; every hotline cites a letter of its
own province.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from bot.content.models import Content, Localized, Province
from bot.normalize import plain

# How many provinces to name in one problem line before "and N more".
NAMED_IN_PROBLEM = 3
# Aliases shorter than this ("sg", "hcm", "hue") are not looked for inside answers.
MIN_ALIAS = 5


def _folded_words(text: str) -> str:
    return f" {plain(text)} "


def _province_names(provinces: Iterable[Province]) -> dict[str, tuple[str, ...]]:
    """Each real province's names, folded, for spotting a province named inside a text."""
    names: dict[str, tuple[str, ...]] = {}
    for province in provinces:
        if province.id == "other":
            continue
        # Names and the longer aliases ("hanoi", "sai gon"); short ones ("sg") are too ambiguous.
        forms = [*province.name.values.values(), *province.aliases]
        folded = {_folded_words(name).strip() for name in forms}
        folded = {name for name in folded if len(name) >= MIN_ALIAS}
        names[province.id] = tuple(sorted(name for name in folded if name))
    return names


def named_provinces(text: Localized, names: Mapping[str, tuple[str, ...]]) -> set[str]:
    """The provinces a text names, in any of its locales."""
    found: set[str] = set()
    for value in text.values.values():
        words = _folded_words(value)
        found |= {pid for pid, forms in names.items() if any(f" {f} " in words for f in forms)}
    return found


def _some(province_ids: list[str]) -> str:
    shown = ", ".join(province_ids[:NAMED_IN_PROBLEM])
    more = len(province_ids) - NAMED_IN_PROBLEM
    return f"{shown} and {more} more" if more > 0 else shown


def province_truth_errors(content: Content) -> list[str]:
    """Every place where a province would be told another province's rules or numbers."""
    errors: list[str] = []
    owner = {source.id: source.province for source in content.sources.values()}
    names = _province_names(content.provinces.values())
    # Most provinces are shown the same national text: read each text for names once.
    named_in: dict[int, set[str]] = {}

    def named(text: Localized) -> set[str]:
        if id(text) not in named_in:
            named_in[id(text)] = named_provinces(text, names)
        return named_in[id(text)]

    for topic in content.topics.values():
        # (problem) -> provinces shown that answer; grouped, so a national answer that cites
        # a letter is one line, not 63.
        shown_to: dict[str, list[str]] = defaultdict(list)
        for province in content.provinces.values():
            where = "its national answer"
            if province.id in topic.variants:
                where = f"the {province.id} answer (provinces/{province.id}.yaml)"
            for source_id in topic.sources_for(province.id):
                letter_of = owner.get(source_id)
                if letter_of is not None and letter_of != province.id:
                    shown_to[f"{where} cites {source_id}, a letter of {letter_of}"].append(
                        province.id
                    )
            for other in named(topic.answer_for(province.id)):
                if other != province.id:
                    shown_to[f"{where} names the province {other}"].append(province.id)
        for problem, province_ids in shown_to.items():
            errors.append(
                f"topic {topic.id}: {problem}, but is shown in {_some(province_ids)}; "
                "put what is true for one province in that province's file (`answers:`)"
            )
    for guide in content.guides.values():
        for source_id in guide.sources:
            if owner.get(source_id) is not None:
                errors.append(
                    f"guide {guide.id}: cites {source_id}, a letter of {owner[source_id]}, "
                    "but guides are shown in every province; cite national sources"
                )
        texts = [guide.title, *(s.text for b in guide.branches for s in b.steps)]
        texts += [s.help for b in guide.branches for s in b.steps]
        for other in set().union(*(named(text) for text in texts)):
            errors.append(f"guide {guide.id}: names the province {other}, but is shown everywhere")
    for province in content.provinces.values():
        for hotline in province.hotlines:
            letter_of = owner.get(hotline.source)
            if hotline.source in owner and letter_of != province.id:
                whose = f"a letter of {letter_of}" if letter_of else "not a letter of this province"
                errors.append(
                    f"province {province.id}: hotline {hotline.phone} cites {hotline.source} "
                    f"({whose}); a province's numbers come from its own letters"
                )
    if owner.get(content.health_hotline.source) is not None:
        errors.append("national.yaml: the health line must cite a national source")
    operator = content.operator
    if operator is not None:
        if operator.province is not None and content.province(operator.province) is None:
            errors.append(f"content.yaml: operator province {operator.province!r} is unknown")
        letter_of = owner.get(operator.source)
        if operator.source and operator.source not in owner:
            errors.append(f"content.yaml: operator source {operator.source!r} is unknown")
        elif letter_of is not None and letter_of != operator.province:
            errors.append(
                f"content.yaml: the operator cites {operator.source}, a letter of {letter_of}"
            )
    return errors
