"""Hotline questions that name a province: does the first reply give *that* province's help?

Every question of the blind set that names a province and asks for a person (the topic is
the hotline topic, or the message asks for a number beside a problem) is sent, as a new
person with no province stored, through the whole engine. It is right when the reply
carries exactly that province's numbers, or, for a province without numbers, names it,
gives the health line and no other province's numbers.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.questions import BLIND, Labelled, read_labelled
from bot.app import build_engine
from bot.content import Content
from bot.matcher import Understander
from bot.messages import Inbound
from bot.render import plain_text
from bot.settings import Settings


@dataclass(frozen=True)
class ProvinceCheck:
    """How many hotline questions naming a province got that province's answer."""

    right: int
    total: int
    misses: tuple[str, ...]


def hotline_questions(understander: Understander, rows: list[Labelled]) -> list[Labelled]:
    """The questions that name a province and ask for a person."""
    person = understander.person_topic
    return [
        row
        for row in rows
        if row.province is not None
        and (row.topic == person or understander.entities.read(row.question).wants_person)
    ]


async def check(
    content: Content, understander: Understander, rows: list[Labelled]
) -> ProvinceCheck:
    """Send each hotline question naming a province through the engine and judge the reply."""
    every_number = {h.phone for p in content.provinces.values() for h in p.hotlines}
    right = 0
    misses: list[str] = []
    questions = hotline_questions(understander, rows)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'province.db'}"
        settings = Settings.from_env({"DATABASE_URL": url})
        engine = await build_engine(settings, content=content, understander=understander)
        try:
            for number, row in enumerate(questions):
                replies = await engine.handle(Inbound("bench", f"p-{number}", text=row.question))
                phones = {c.phone for r in replies for c in r.contacts}
                province = content.province(row.province)
                assert province is not None, row.province
                wanted = {h.phone for h in province.hotlines}
                if wanted:
                    ok = wanted <= phones and not (phones & (every_number - wanted))
                else:
                    text = "\n".join(plain_text(r) for r in replies)
                    ok = (
                        any(name in text for name in province.name.values.values())
                        and content.health_hotline.phone in phones
                        and not (phones & every_number)
                    )
                right += ok
                if not ok:
                    misses.append(row.question)
        finally:
            await engine.database.dispose()
    return ProvinceCheck(right, len(questions), tuple(misses))


def run(content: Content, understander: Understander, path: Path = BLIND) -> ProvinceCheck:
    """The check on the blind set."""
    return asyncio.run(check(content, understander, read_labelled(path)))
