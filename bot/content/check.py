"""`helpdesk content check`: links resolve, guides are walkable, texts fit every channel."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.channel_profile import ChannelLimits, ChannelProfile
from bot.content.claims import claim_errors, parity_errors
from bot.content.models import Content, Localized
from bot.content.truth import province_truth_errors
from bot.content.units import unit_errors
from bot.normalize import Normalizer

MIN_EXAMPLES = 10
PHONE = re.compile(r"^\+?[0-9][0-9 .]{5,18}[0-9]$")
URL = re.compile(r"^https?://[^\s]+$")
# Something that reads like a phone number inside a text: numbers belong in provinces/.
NUMBER_IN_TEXT = re.compile(
    r"(?<![\w.])(?:\+?84|0|1[89]00)[ .]?\d{2,4}(?:[ .]?\d{2,4}){1,3}(?![\w])"
)


@dataclass
class CheckReport:
    """Errors make the check fail; warnings are worth fixing but do not block."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What each installed channel accepts (the channels declare it): texts must fit them all.
    limits: Mapping[str, ChannelLimits] = field(default_factory=dict)


def check_content(
    content: Content,
    authoring: bool = True,
    channels: Sequence[ChannelProfile] = (),
) -> CheckReport:
    """Check references, guide structure, channel limits, locales and province truth; with
    `authoring` (`helpdesk content check` and its test, not every start, as they take a
    while) also the example questions, the claims' sources and English/Vietnamese parity.
    `channels`: the channels whose limits texts must fit (`bot.plugins.profiles()`, the
    installed ones, for `helpdesk content check`; none at start, since channels split long
    texts anyway)."""
    report = CheckReport(limits={profile.name: profile.limits for profile in channels})
    _check_topics(content, report)
    _check_guides(content, report)
    _check_places(content, report)
    _check_variants(content, report)
    _check_campaign(content, report)
    report.errors += province_truth_errors(content)
    labels = [limits.label for limits in report.limits.values()]
    report.errors += unit_errors(content, min(labels, default=60))
    _check_menu(content, report)
    if authoring:
        report.errors += claim_errors(content)
        report.errors += parity_errors(content)
        _check_examples(content, report)
    return report


def _fits(content: Content, report: CheckReport, where: str, text: Localized, kind: str) -> None:
    for locale, value in text.values.items():
        number = NUMBER_IN_TEXT.search(value)
        if number:
            report.errors.append(
                f"{where}: {locale} text contains the number {number.group(0)!r}; "
                "phone numbers belong in provinces/, the bot adds them as contact cards"
            )
    for channel, limits in report.limits.items():
        limit = limits.text if kind == "text" else limits.label
        for locale, value in text.values.items():
            if len(value) > limit:
                report.errors.append(
                    f"{where}: {locale} {kind} is {len(value)} characters, "
                    f"over the {channel} limit of {limit}"
                )


def _check_sources(content: Content, report: CheckReport, where: str, ids: tuple[str, ...]) -> None:
    if not ids:
        report.errors.append(f"{where}: no source given")
    for source_id in ids:
        if source_id not in content.sources:
            report.errors.append(f"{where}: unknown source {source_id!r}")


def _check_topics(content: Content, report: CheckReport) -> None:
    for topic in content.topics.values():
        where = f"topic {topic.id}"
        if not re.fullmatch(r"[a-z]+\.[a-z_]+", topic.id):
            report.errors.append(f"{where}: id must look like app.name (lowercase, _)")
        _check_sources(content, report, where, topic.sources)
        _fits(content, report, where, topic.answer, "text")
        _fits(content, report, where, topic.title, "label")
        for related in topic.related:
            if related == topic.id:
                report.errors.append(f"{where}: relates to itself")
            elif related not in content.topics:
                report.errors.append(f"{where}: related topic {related!r} does not exist")
        if topic.guide is not None:
            guide = content.guide(topic.guide)
            if guide is None:
                report.errors.append(f"{where}: guide {topic.guide!r} does not exist")
            elif topic.guide_branch is not None and guide.branch(topic.guide_branch) is None:
                report.errors.append(
                    f"{where}: guide {topic.guide!r} has no branch {topic.guide_branch!r}"
                )
        for site_id in topic.links:
            if site_id not in content.sites:
                report.errors.append(f"{where}: link {site_id!r} is not a known site")
        for device in (*topic.devices, *topic.device_answers):
            if not content.words(f"device:{device}"):
                report.errors.append(f"{where}: device {device!r} is not in entities.yaml")
        for device, answer in topic.device_answers.items():
            _fits(content, report, f"{where} ({device})", answer, "text")


def _check_guides(content: Content, report: CheckReport) -> None:
    offered = {t.guide for t in content.topics.values() if t.guide}
    for guide in content.guides.values():
        where = f"guide {guide.id}"
        _check_sources(content, report, where, guide.sources)
        _fits(content, report, where, guide.title, "label")
        if guide.topic not in content.topics:
            report.errors.append(f"{where}: topic {guide.topic!r} does not exist")
        if guide.id not in offered:
            report.errors.append(f"{where}: no topic offers this guide, so nobody can reach it")
        if len(guide.branches) > 1 and guide.question is None:
            report.errors.append(f"{where}: has several branches but no 'question' to choose one")
        branch_ids = [b.id for b in guide.branches]
        for duplicate in {b for b in branch_ids if branch_ids.count(b) > 1}:
            report.errors.append(f"{where}: branch id {duplicate!r} is used twice")
        for branch in guide.branches:
            _fits(content, report, f"{where}.{branch.id}", branch.label, "label")
            if not branch.steps:
                report.errors.append(f"{where}: branch {branch.id!r} has no steps")
            step_ids = [s.id for s in branch.steps]
            for duplicate in {s for s in step_ids if step_ids.count(s) > 1}:
                report.errors.append(f"{where}: step id {duplicate!r} is used twice in {branch.id}")
            for step in branch.steps:
                step_where = f"{where}.{branch.id}.{step.id}"
                if not re.fullmatch(r"[a-z0-9_]{1,12}", step.id):
                    report.errors.append(f"{step_where}: step id must be 1-12 of a-z 0-9 _")
                _fits(content, report, step_where, step.text, "text")
                _fits(content, report, step_where, step.help, "text")


def _check_places(content: Content, report: CheckReport) -> None:
    if "other" not in content.provinces:
        report.errors.append("provinces: an 'other' province is needed for everyone else")
    hotlines = [("health_hotline", content.health_hotline)]
    for province in content.provinces.values():
        hotlines += [(f"province {province.id}", h) for h in province.hotlines]
    for where, hotline in hotlines:
        if not PHONE.match(hotline.phone):
            report.errors.append(f"{where}: phone {hotline.phone!r} does not look like a number")
        if where != "health_hotline" and hotline.purpose is None:
            report.errors.append(
                f"{where}: hotline {hotline.phone} needs a `purpose`: what its letter set it "
                "up for, and for whom"
            )
        if not hotline.source:
            report.errors.append(f"{where}: hotline {hotline.phone} has no source letter")
        elif hotline.source not in content.sources:
            report.errors.append(f"{where}: unknown source {hotline.source!r}")
    for site in content.sites.values():
        if not URL.match(site.url):
            report.errors.append(f"site {site.id}: {site.url!r} is not an http(s) address")


def _check_variants(content: Content, report: CheckReport) -> None:
    for topic in content.topics.values():
        for province_id, variant in topic.variants.items():
            where = f"provinces/{province_id}.yaml: answer to {topic.id}"
            _check_sources(content, report, where, variant.sources)
            _fits(content, report, where, variant.answer, "text")


def _check_campaign(content: Content, report: CheckReport) -> None:
    campaign = content.campaign
    if campaign is None:
        return
    if campaign.status == "archived":
        if campaign.note is None:
            report.errors.append("content.yaml: an archived campaign needs its `note`")
        _check_sources(content, report, "content.yaml: campaign", (campaign.source,))
    for topic_id in campaign.topics:
        if topic_id not in content.topics:
            report.errors.append(f"content.yaml: campaign topic {topic_id!r} does not exist")
    for source in content.sources.values():
        if not source.date:
            report.errors.append(f"source {source.id}: no date")


def _check_menu(content: Content, report: CheckReport) -> None:
    if not content.menu:
        report.errors.append("content.yaml: 'menu' needs at least one section")
    for section in content.menu:
        _fits(content, report, f"menu {section.id}", section.label, "label")
        if not section.topics:
            report.errors.append(f"menu {section.id}: lists no topics")
        for topic_id in section.topics:
            if topic_id not in content.topics:
                report.errors.append(f"menu {section.id}: topic {topic_id!r} does not exist")


def _check_examples(content: Content, report: CheckReport) -> None:
    normalizer = Normalizer(content.abbreviations)
    owners: dict[str, set[str]] = defaultdict(set)
    for topic in content.topics.values():
        count = sum(len(v) for v in topic.examples.values())
        if count < MIN_EXAMPLES:
            report.warnings.append(
                f"topic {topic.id}: only {count} example questions (at least {MIN_EXAMPLES} wanted)"
            )
        for examples in topic.examples.values():
            for example in examples:
                owners[normalizer.folded_key(example)].add(topic.id)
    for example in content.out_of_scope:
        owners[normalizer.folded_key(example)].add("out_of_scope")
    for key, topic_ids in sorted(owners.items()):
        if len(topic_ids) > 1:
            report.errors.append(
                f"example {key!r} is given for several topics: {', '.join(sorted(topic_ids))}"
            )
