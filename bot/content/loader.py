"""Read content/ (YAML) into typed objects, collecting every structural problem found.

It is long because it reads every kind of content file (topics, guides, provinces with
their letters and answers, claims, settings) with the same problem-collecting reader;
the checks of meaning live in check.py, truth.py and claims.py."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from bot.channel_profile import ChannelProfile
from bot.content.check import CheckReport, check_content
from bot.content.models import (
    CAMPAIGN_STATUSES,
    TOPIC_FLOWS,
    Branch,
    Campaign,
    Content,
    Flow,
    Guide,
    Hotline,
    Localized,
    MenuSection,
    Operator,
    Province,
    Site,
    Source,
    Step,
    Topic,
    Variant,
)
from bot.content.units import read_units

try:  # the C loader is several times faster; start-up time matters for `helpdesk ask`
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader


class ContentError(Exception):
    """The content has problems; `problems` lists them, one readable line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _flow(value: str) -> Flow | None:
    """A topic's `flow:` as one of the known flows, or None."""
    return next((flow for flow in TOPIC_FLOWS if flow == value), None)


class _Reader:
    """Turns parsed YAML into models, recording problems instead of stopping at the first."""

    def __init__(self, locales: tuple[str, ...]) -> None:
        self.locales = locales
        self.problems: list[str] = []

    def problem(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.problem(where, "expected a mapping")
            return {}
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(where, f"'{key}' is missing")
            return ""
        if not isinstance(value, (str, int, float, datetime.date)):
            self.problem(where, f"'{key}' must be text")
            return ""
        return str(value).strip()

    def localized(
        self, data: Mapping[str, Any], key: str, where: str, required: bool = True
    ) -> Localized | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(where, f"'{key}' is missing")
                return Localized({})
            return None
        if isinstance(value, str):
            self.problem(where, f"'{key}' must give a text per locale ({', '.join(self.locales)})")
            return Localized({locale: value.strip() for locale in self.locales})
        values = self.mapping(value, f"{where}.{key}")
        result: dict[str, str] = {}
        for locale in self.locales:
            text = values.get(locale)
            if not isinstance(text, str) or not text.strip():
                self.problem(where, f"'{key}' has no {locale} text")
            else:
                result[locale] = text.strip()
        for extra in set(values) - set(self.locales):
            self.problem(where, f"'{key}' has a text in unknown locale {extra!r}")
        return Localized(result)

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            self.problem(where, f"'{key}' must be a list of texts")
            return ()
        return tuple(str(v).strip() for v in value if str(v).strip())

    def hotline(self, data: Any, where: str) -> Hotline:
        entry = self.mapping(data, where)
        return Hotline(
            name=self.localized(entry, "name", where) or Localized({}),
            role=self.localized(entry, "role", where) or Localized({}),
            phone=self.text(entry, "phone", where),
            source=self.text(entry, "source", where),
            hours=self.localized(entry, "hours", where, required=False),
            purpose=self.localized(entry, "purpose", where, required=False),
        )

    def claims(self, data: Mapping[str, Any], where: str) -> dict[str, str]:
        """`claims:` of a topic, answer or guide: claim text -> "source id[: where in it]"."""
        raw = self.mapping(data.get("claims") or {}, f"{where}.claims")
        found: dict[str, str] = {}
        for claim, cited in raw.items():
            if not isinstance(cited, str) or not cited.strip():
                self.problem(where, f"claim {claim!r} needs a source id")
                continue
            found[str(claim).strip()] = cited.strip()
        return found

    def source(self, data: Any, where: str, province: str | None) -> Source:
        entry = self.mapping(data, where)
        source_id = self.text(entry, "id", where)
        return Source(
            id=source_id,
            title=self.text(entry, "title", f"{where}:{source_id}"),
            date=self.text(entry, "date", f"{where}:{source_id}"),
            file=self.text(entry, "file", f"{where}:{source_id}", required=False),
            url=self.text(entry, "url", f"{where}:{source_id}", required=False),
            province=province,
            read=self.text(entry, "read", f"{where}:{source_id}", required=False),
        )

    def topic(self, data: Any, where: str) -> Topic | None:
        entry = self.mapping(data, where)
        topic_id = self.text(entry, "id", where)
        if not topic_id:
            return None
        examples_raw = self.mapping(entry.get("examples", {}), f"{where}.examples")
        examples: dict[str, tuple[str, ...]] = {}
        for locale in examples_raw:
            if locale not in self.locales:
                self.problem(where, f"examples in unknown locale {locale!r}")
                continue
            examples[locale] = self.strings(examples_raw, locale, f"{where}.examples")
        flow = _flow(self.text(entry, "flow", where, required=False) or "answer")
        if flow is None:
            self.problem(where, f"flow must be one of {', '.join(TOPIC_FLOWS)}")
            flow = "answer"
        return Topic(
            id=topic_id,
            title=self.localized(entry, "title", where) or Localized({}),
            answer=self.localized(entry, "answer", where) or Localized({}),
            examples=examples,
            sources=self.strings(entry, "sources", where),
            related=self.strings(entry, "related", where),
            guide=self.text(entry, "guide", where, required=False) or None,
            guide_branch=self.text(entry, "guide_branch", where, required=False) or None,
            flow=flow,
            health=bool(entry.get("health", False)),
            links=self.strings(entry, "links", where),
            devices=self.strings(entry, "devices", where),
            claims=self.claims(entry, where),
            device_answers={
                str(device): self.localized(answers, str(device), f"{where}.device_answers")
                or Localized({})
                for answers in [self.mapping(entry.get("device_answers") or {}, where)]
                for device in answers
            },
        )

    def guide(self, data: Any, where: str) -> Guide | None:
        entry = self.mapping(data, where)
        guide_id = self.text(entry, "id", where)
        if not guide_id:
            return None
        branches: list[Branch] = []
        raw_branches = entry.get("branches")
        if not isinstance(raw_branches, list) or not raw_branches:
            self.problem(where, "'branches' must be a non-empty list")
            raw_branches = []
        for index, raw in enumerate(raw_branches):
            branch_where = f"{where}.branches[{index}]"
            branch = self.mapping(raw, branch_where)
            steps: list[Step] = []
            raw_steps = branch.get("steps")
            if not isinstance(raw_steps, list):
                self.problem(branch_where, "'steps' must be a list")
                raw_steps = []
            for step_index, raw_step in enumerate(raw_steps):
                step_where = f"{branch_where}.steps[{step_index}]"
                step = self.mapping(raw_step, step_where)
                steps.append(
                    Step(
                        id=self.text(step, "id", step_where),
                        text=self.localized(step, "text", step_where) or Localized({}),
                        help=self.localized(step, "help", step_where) or Localized({}),
                        check=self.localized(step, "check", step_where, required=False),
                    )
                )
            branches.append(
                Branch(
                    id=self.text(branch, "id", branch_where),
                    label=self.localized(branch, "label", branch_where) or Localized({}),
                    steps=tuple(steps),
                    keywords=self.strings(branch, "keywords", branch_where),
                )
            )
        return Guide(
            id=guide_id,
            title=self.localized(entry, "title", where) or Localized({}),
            topic=self.text(entry, "topic", where),
            sources=self.strings(entry, "sources", where),
            branches=tuple(branches),
            question=self.localized(entry, "question", where, required=len(branches) > 1),
            intro=self.localized(entry, "intro", where, required=False),
            done=self.localized(entry, "done", where, required=False),
            claims=self.claims(entry, where),
        )


def _read_yaml(path: Path, reader: _Reader) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_Loader)
    except (OSError, yaml.YAMLError) as error:
        reader.problem(str(path), f"cannot be read: {error}")
        return None


def _yaml_files(folder: Path) -> Iterable[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))


def _entity_words(data: Any, reader: _Reader) -> dict[str, tuple[str, ...]]:
    """entities.yaml as lexicon lists: `wants_person`, `device:android`, `other_app:vneid`..."""
    entries = reader.mapping(data, "entities.yaml")
    lists: dict[str, tuple[str, ...]] = {}
    for name, value in entries.items():
        if isinstance(value, dict):
            group = reader.mapping(value, f"entities.yaml:{name}")
            singular = name.removesuffix("s")
            for key in group:
                lists[f"{singular}:{key}"] = reader.strings(group, key, f"entities.yaml:{name}")
        else:
            lists[str(name)] = reader.strings(entries, name, "entities.yaml")
    return lists


def read_content(content_dir: Path) -> tuple[Content, list[str]]:
    """Load the content folder; return it with every structural problem found (maybe none)."""
    root = Path(content_dir)
    settings = _read_yaml(root / "content.yaml", _Reader(("vi", "en"))) or {}
    locales = tuple(settings.get("locales", ["vi", "en"]))
    reader = _Reader(locales)
    if not (root / "content.yaml").exists():
        reader.problem(str(root / "content.yaml"), "is missing")

    sources: dict[str, Source] = {}
    for raw in (_read_yaml(root / "sources.yaml", reader) or {}).get("sources", []):
        source = reader.source(raw, "sources.yaml", None)
        if source.id in sources:
            reader.problem("sources.yaml", f"source id {source.id!r} is used twice")
        sources[source.id] = source

    provinces: dict[str, Province] = {}
    answers: list[tuple[str, str, Any]] = []  # (where, province id, raw `answers:` entry)
    for path in _yaml_files(root / "provinces"):
        where = f"provinces/{path.name}"
        entry = reader.mapping(_read_yaml(path, reader) or {}, where)
        province_id = reader.text(entry, "id", where)
        if not province_id:
            continue
        if province_id in provinces:
            reader.problem(where, f"province id {province_id!r} is used twice")
        if path.stem != province_id:
            reader.problem(where, f"file name should be {province_id}.yaml")
        for index, raw in enumerate(entry.get("letters") or []):
            letter = reader.source(raw, f"{where}:letters[{index}]", province_id)
            if letter.id in sources:
                reader.problem(where, f"source id {letter.id!r} is used twice")
            sources[letter.id] = letter
        provinces[province_id] = Province(
            id=province_id,
            name=reader.localized(entry, "name", where) or Localized({}),
            aliases=reader.strings(entry, "aliases", where),
            hotlines=tuple(
                reader.hotline(h, f"{where}:hotlines[{i}]")
                for i, h in enumerate(entry.get("hotlines") or [])
            ),
        )
        for topic_id, raw in reader.mapping(entry.get("answers") or {}, where).items():
            answers.append((f"{where}:answers.{topic_id}", province_id, (str(topic_id), raw)))

    national = reader.mapping(_read_yaml(root / "national.yaml", reader) or {}, "national.yaml")
    health_hotline = reader.hotline(
        national.get("health_hotline", {}), "national.yaml:health_hotline"
    )
    sites: dict[str, Site] = {}
    for index, raw in enumerate(national.get("sites", [])):
        where = f"national.yaml:sites[{index}]"
        entry = reader.mapping(raw, where)
        site_id = reader.text(entry, "id", where)
        sites[site_id] = Site(
            id=site_id,
            label=reader.localized(entry, "label", where) or Localized({}),
            url=reader.text(entry, "url", where),
        )

    menu: list[MenuSection] = []
    for index, raw in enumerate(settings.get("menu") or []):
        where = f"content.yaml:menu[{index}]"
        entry = reader.mapping(raw, where)
        menu.append(
            MenuSection(
                id=reader.text(entry, "id", where),
                label=reader.localized(entry, "label", where) or Localized({}),
                intro=reader.localized(entry, "intro", where) or Localized({}),
                topics=reader.strings(entry, "topics", where),
            )
        )

    lexicon_data = reader.mapping(_read_yaml(root / "lexicon.yaml", reader) or {}, "lexicon.yaml")
    words = reader.mapping(lexicon_data.get("words", {}), "lexicon.yaml:words")
    lexicon = {name: reader.strings(words, name, "lexicon.yaml:words") for name in words}
    lexicon.update(_entity_words(_read_yaml(root / "entities.yaml", reader) or {}, reader))
    abbreviations = {
        str(k).strip().lower(): str(v).strip().lower()
        for k, v in reader.mapping(
            lexicon_data.get("abbreviations", {}), "lexicon.yaml:abbreviations"
        ).items()
    }

    out_of_scope: list[str] = []
    if (root / "out_of_scope.yaml").exists():
        data = reader.mapping(_read_yaml(root / "out_of_scope.yaml", reader) or {}, "out_of_scope")
        groups = reader.mapping(data.get("examples", {}), "out_of_scope.yaml:examples")
        for locale in groups:
            out_of_scope += reader.strings(groups, locale, "out_of_scope.yaml:examples")

    topics: dict[str, Topic] = {}
    for path in _yaml_files(root / "topics"):
        topic = reader.topic(_read_yaml(path, reader), f"topics/{path.name}")
        if topic is None:
            continue
        if topic.id in topics:
            reader.problem(f"topics/{path.name}", f"topic id {topic.id!r} is used twice")
        if path.stem != topic.id:
            reader.problem(f"topics/{path.name}", f"file name should be {topic.id}.yaml")
        topics[topic.id] = topic

    variants: dict[str, dict[str, Variant]] = {}
    for where, province_id, (topic_id, raw) in answers:
        if topic_id not in topics:
            reader.problem(where, f"no topic {topic_id!r} to give a {province_id} answer for")
            continue
        entry = reader.mapping(raw, where)
        variants.setdefault(topic_id, {})[province_id] = Variant(
            province=province_id,
            answer=reader.localized(entry, "answer", where) or Localized({}),
            sources=reader.strings(entry, "sources", where),
            claims=reader.claims(entry, where),
        )
    for topic_id, by_province in variants.items():
        topics[topic_id] = replace(topics[topic_id], variants=by_province)

    guides: dict[str, Guide] = {}
    for path in _yaml_files(root / "guides"):
        guide = reader.guide(_read_yaml(path, reader), f"guides/{path.name}")
        if guide is None:
            continue
        if guide.id in guides:
            reader.problem(f"guides/{path.name}", f"guide id {guide.id!r} is used twice")
        if path.stem != guide.id:
            reader.problem(f"guides/{path.name}", f"file name should be {guide.id}.yaml")
        guides[guide.id] = guide

    operator: Operator | None = None
    if settings.get("operator") is not None:
        where = "content.yaml:operator"
        entry = reader.mapping(settings.get("operator"), where)
        operator = Operator(
            name=reader.localized(entry, "name", where) or Localized({}),
            url=reader.text(entry, "url", where, required=False),
            province=reader.text(entry, "province", where, required=False) or None,
            source=reader.text(entry, "source", where, required=False),
        )

    terms_data = reader.mapping(_read_yaml(root / "claims.yaml", reader) or {}, "claims.yaml")
    terms = reader.claims(terms_data, "claims.yaml")
    campaign: Campaign | None = None
    if settings.get("campaign") is not None:
        where = "content.yaml:campaign"
        entry = reader.mapping(settings.get("campaign"), where)
        campaign = Campaign(
            status=reader.text(entry, "status", where),
            note=reader.localized(entry, "note", where, required=False),
            source=reader.text(entry, "source", where, required=False),
            topics=reader.strings(entry, "topics", where),
        )
        if campaign.status not in CAMPAIGN_STATUSES:
            reader.problem(where, f"status must be one of {', '.join(CAMPAIGN_STATUSES)}")

    units, unit_problems = read_units(root / "units", locales)
    reader.problems += unit_problems
    content = Content(
        topics=topics,
        guides=guides,
        provinces=provinces,
        health_hotline=health_hotline,
        sites=sites,
        sources=sources,
        menu=tuple(menu),
        out_of_scope=tuple(out_of_scope),
        lexicon=lexicon,
        abbreviations=abbreviations,
        locales=locales,
        language_names={
            str(k): str(v)
            for k, v in reader.mapping(settings.get("languages", {}), "content.yaml").items()
        },
        operator=operator,
        terms=terms,
        campaign=campaign,
        units=units,
    )
    for locale in locales:
        if locale not in content.language_names:
            reader.problem("content.yaml", f"'languages' has no name for {locale!r}")
    return content, reader.problems


def load_content(content_dir: Path) -> Content:
    """Load the content folder, or raise ContentError listing every problem found."""
    content, problems = read_content(content_dir)
    # Examples, claims and parity are checked by `helpdesk content check` and its test.
    problems += check_content(content, authoring=False).errors
    if problems:
        raise ContentError(problems)
    return content


def check_folder(content_dir: Path, channels: Sequence[ChannelProfile] = ()) -> CheckReport:
    """Load a content folder and check it all, examples included, texts against `channels`'
    limits; structural problems are errors too."""
    content, problems = read_content(content_dir)
    report = check_content(content, channels=channels)
    report.errors[:0] = problems
    return report
