"""How much of a message the core reads (bot/sanitize.py: MAX_WORDS; bot/matcher/index.py:
MAX_REPAIRS): no realistic question is cut, and a flood of made-up words costs a bounded
amount of work. Work is counted (words normalised, vocabulary searches), not timed: the CPU
figures are in `python -m bench.long_messages`."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from rapidfuzz import process

from bench.questions import read_questions
from bot.content import Content
from bot.i18n import translations
from bot.matcher import Matcher, Normalizer, Understander
from bot.matcher import index as matcher_index
from bot.normalize import Normalized
from bot.sanitize import MAX_TEXT, MAX_WORDS, clean_text
from bot.settings import PROJECT_ROOT, Settings
from tests.chat import Chat

QUESTION_FILES = [
    PROJECT_ROOT / "bench" / "eval" / "blind.tsv",
    PROJECT_ROOT / "tuning" / "dev.tsv",
    PROJECT_ROOT / "tuning" / "dev-styles.tsv",
    PROJECT_ROOT / "tuning" / "retired-heldout.tsv",
    PROJECT_ROOT / "tests" / "data" / "first_reply.tsv",
]


def realistic_questions(content: Content) -> list[str]:
    """Every question people were imagined to ask: evaluation, tuning and test sets, and
    the content's own examples."""
    questions = [q for path in QUESTION_FILES for _, q in read_questions(path)]
    for topic in content.topics.values():
        for examples in topic.examples.values():
            questions.extend(examples)
    return questions + list(content.out_of_scope)


def long_note() -> str:
    """What the person is told when only the beginning of the message was read."""
    catalog = translations(Settings().locales_dir, "vi")
    return catalog.gettext("Your message was long, so I read its beginning.")


def made_up(characters: int, seed: int) -> str:
    """Words nobody uses, `characters` long."""
    rng = random.Random(seed)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < characters:
        words.append("".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 10))))
    return " ".join(words)[:characters]


@dataclass
class Work:
    """What reading messages cost: words normalised, and for unknown words, cuts into known
    words (`segments`) and fuzzy searches of every known word (`searches`, the dear part)."""

    words: int = 0
    segments: int = 0
    searches: int = 0

    def since(self, before: Work) -> Work:
        """The work done after `before` was taken."""
        return Work(
            self.words - before.words,
            self.segments - before.segments,
            self.searches - before.searches,
        )


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Iterator[Work]:
    """Counts the work of everything read while the test runs."""
    counted = Work()
    normalize, extract, segment = Normalizer.normalize, process.extractOne, Matcher._segment

    def counting_normalize(self: Normalizer, text: str) -> Normalized:
        result = normalize(self, text)
        counted.words += len(result.folded)
        return result

    def counting_extract(*args: Any, **kwargs: Any) -> Any:
        counted.searches += 1
        return extract(*args, **kwargs)

    def counting_segment(self: Matcher, token: str) -> list[str] | None:
        counted.segments += 1
        return segment(self, token)

    monkeypatch.setattr(Normalizer, "normalize", counting_normalize)
    monkeypatch.setattr(process, "extractOne", counting_extract)
    monkeypatch.setattr(Matcher, "_segment", counting_segment)
    yield counted


def test_no_realistic_question_is_cut_or_loses_a_repair(content: Content) -> None:
    questions = realistic_questions(content)
    assert len(questions) > 8000
    longest = max(len(Normalizer(content.abbreviations).normalize(q).folded) for q in questions)
    assert longest * 1.5 <= MAX_WORDS, "room to spare over the longest question"
    assert not [q for q in questions if clean_text(q).truncated]
    # Each question read from a cold start (nothing remembered) needs fewer searches than
    # the budget: a real typo is always repaired.
    matcher = Matcher(content)
    most = 0
    original = process.extractOne
    searched = [0]

    def counting(*args: Any, **kwargs: Any) -> Any:
        searched[0] += 1
        return original(*args, **kwargs)

    process.extractOne = counting
    try:
        for question in questions:
            matcher._repaired.clear()
            matcher._words_of.clear()
            searched[0] = 0
            with matcher.reading():
                matcher.words(question)
                matcher.pieces(question)
            most = max(most, searched[0])
    finally:
        process.extractOne = original
    assert 0 < most < matcher_index.MAX_REPAIRS


async def test_a_flood_of_made_up_words_costs_about_what_a_long_question_does(
    chat: Chat, content: Content, work: Work
) -> None:
    longest = max(
        realistic_questions(content),
        key=lambda q: len(Normalizer(content.abbreviations).normalize(q).folded),
    )
    before = Work(work.words, work.segments, work.searches)
    await chat.say(longest)
    question = work.since(before)

    for seed, flood in enumerate(
        [
            made_up(20_000, seed=1),
            made_up(MAX_TEXT - 1, seed=2),
            # Asking for a person reads the message clause by clause (decision._two_part).
            "cho tôi số điện thoại hỗ trợ, " + ", ".join(made_up(MAX_TEXT, 3).split()),
        ]
    ):
        before = Work(work.words, work.segments, work.searches)
        replies = await chat.say(flood)
        done = work.since(before)
        assert done.searches <= matcher_index.MAX_REPAIRS, (seed, done)
        assert done.segments <= matcher_index.MAX_REPAIRS, (seed, done)
        # Read more than once (entities, the classifier, each clause when a person is asked
        # for), but only its first MAX_WORDS words.
        assert done.words <= 4 * question.words, (seed, done, question)
        assert replies[0].text == long_note(), "the person is told only the beginning was read"


async def test_without_the_caps_the_same_flood_costs_far_more(
    chat: Chat, work: Work, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The measure above can fail: lift both caps and the work explodes."""
    flood = made_up(MAX_TEXT - 1, seed=4)
    await chat.say(flood)
    capped = Work(work.words, work.segments, work.searches)
    monkeypatch.setattr("bot.sanitize.MAX_WORDS", 10**9)
    monkeypatch.setattr(matcher_index, "MAX_REPAIRS", 10**9)
    await chat.say(made_up(MAX_TEXT - 1, seed=5))
    uncapped = work.since(capped)
    assert uncapped.searches > 10 * capped.searches
    assert uncapped.words > 2 * capped.words


async def test_a_long_question_is_still_answered_from_its_beginning(chat: Chat) -> None:
    await chat.say("Cho mình hỏi cài Bluezone trên điện thoại như thế nào? " * 200)
    assert chat.replies[0].text == long_note()
    assert chat.topic == "bluezone.install"


def test_a_word_cut_keeps_whole_words(understander: Understander) -> None:
    text = " ".join(f"w{n}" for n in range(MAX_WORDS + 30))
    cleaned = clean_text(text)
    assert cleaned.truncated and cleaned.text.split()[-1] == f"w{MAX_WORDS - 1}"
    assert not clean_text(" ".join(["x"] * MAX_WORDS)).truncated
    assert understander.understand(cleaned.text) is not None
