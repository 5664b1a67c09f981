"""`content/units/<province>.yaml`: the agencies and districts a setup report may name.

```yaml
province: quang-ngai
agencies:
  - id: tinh-doan                      # 1-24 of a-z 0-9 -; never change it once published
    name: {vi: Tỉnh đoàn Quảng Ngãi, en: Quảng Ngãi Provincial Youth Union}
    source: letter-2021-01-30-qng-stttt   # a letter of this province that names it
districts: []
```
A unit is listed only when one of the province's letters names it, so admins load the
lists their own letters give; `helpdesk content check` says what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.content.models import Content, Localized, ProvinceUnits, Unit

UNIT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")
KINDS = ("agencies", "districts")


def _localized(raw: Any, locales: tuple[str, ...], where: str, problems: list[str]) -> Localized:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: 'name' must give a text per locale ({', '.join(locales)})")
        return Localized({})
    values: dict[str, str] = {}
    for locale in locales:
        text = raw.get(locale)
        if isinstance(text, str) and text.strip():
            values[locale] = text.strip()
        else:
            problems.append(f"{where}: 'name' has no {locale} text")
    return Localized(values)


def _units(raw: Any, locales: tuple[str, ...], where: str, problems: list[str]) -> tuple[Unit, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{where}: must be a list")
        return ()
    found: list[Unit] = []
    for index, entry in enumerate(raw):
        place = f"{where}[{index}]"
        if not isinstance(entry, Mapping):
            problems.append(f"{place}: expected a mapping with id, name and source")
            continue
        unit_id, source = str(entry.get("id") or "").strip(), str(entry.get("source") or "")
        if not UNIT_ID.match(unit_id):
            problems.append(f"{place}: id {unit_id!r} must be 1-24 of a-z 0-9 -")
        if not source.strip():
            problems.append(f"{place}: 'source' (the letter that names it) is missing")
        name = _localized(entry.get("name"), locales, place, problems)
        found.append(Unit(id=unit_id, name=name, source=source.strip()))
    return tuple(found)


def read_units(
    folder: Path, locales: tuple[str, ...]
) -> tuple[dict[str, ProvinceUnits], list[str]]:
    """Every `<province>.yaml` under `folder`, with the structural problems found."""
    units: dict[str, ProvinceUnits] = {}
    problems: list[str] = []
    paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    for path in paths:
        where = f"units/{path.name}"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            problems.append(f"{where}: cannot be read: {error}")
            continue
        if not isinstance(data, Mapping):
            problems.append(f"{where}: expected a mapping")
            continue
        province = str(data.get("province") or "").strip()
        if path.stem != province:
            problems.append(f"{where}: 'province' must be the file's name ({path.stem})")
        extra = set(data) - {"province", *KINDS}
        if extra:
            problems.append(f"{where}: unknown keys {', '.join(sorted(map(str, extra)))}")
        units[province] = ProvinceUnits(
            province=province,
            agencies=_units(data.get("agencies"), locales, f"{where}:agencies", problems),
            districts=_units(data.get("districts"), locales, f"{where}:districts", problems),
        )
    return units, problems


def unit_errors(content: Content, label_limit: int) -> list[str]:
    """What is wrong with the units: unknown provinces, ids used twice, sources that are not
    a letter of the unit's province, names too long for a button."""
    errors: list[str] = []
    for province, lists in content.units.items():
        if content.province(province) is None:
            errors.append(f"units/{province}.yaml: no province {province!r} in provinces/")
        for kind in KINDS:
            seen: set[str] = set()
            for unit in getattr(lists, kind):
                where = f"units/{province}.yaml:{kind}:{unit.id}"
                if unit.id in seen:
                    errors.append(f"{where}: id used twice")
                seen.add(unit.id)
                letter = content.sources.get(unit.source)
                if letter is None or letter.province != province:
                    errors.append(f"{where}: source {unit.source!r} is not a letter of {province}")
                for locale, name in unit.name.values.items():
                    if len(name) > label_limit:
                        errors.append(
                            f"{where}: {locale} name is {len(name)} characters, "
                            f"over the button label limit of {label_limit}"
                        )
    return errors
