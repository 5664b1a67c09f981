"""From scores to a decision: answer, ask which app was meant, or admit not understanding."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.content.models import Content
from bot.matcher.index import Match, Matcher
from bot.matcher.normalize import fold

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Below this the best topic is not trusted at all.
REJECT_BELOW = 0.34
# How much the app of the previous topic helps when a question names no app.
CONTEXT_BOOST = 0.05


@dataclass(frozen=True, slots=True)
class Decision:
    """`kind` is "answer" (topic), "clarify" (options, `topic` is the best guess) or "unknown"."""

    kind: str
    topic: str | None
    confidence: float
    options: tuple[str, ...] = ()
    candidates: tuple[tuple[str, float], ...] = ()


def app_of(topic_id: str) -> str:
    """The app part of a topic id ('bluezone' for 'bluezone.otp')."""
    return topic_id.split(".", 1)[0]


def _name_of(topic_id: str) -> str:
    return topic_id.split(".", 1)[-1]


class Understander:
    """The matcher plus the rules that turn its scores into what the bot should do.

    Ambiguity uses the content's own structure: topics with the same name in different apps
    (`bluezone.install`, `ncovi.install`) are parallel. A question that names no app, lands on
    a parallel topic, and uses only words found in the examples of several of those topics
    ("cài đặt thế nào?") gets "which app?" instead of a guess.
    """

    def __init__(self, content: Content) -> None:
        self.content = content
        self.apps = tuple(section.id for section in content.menu)
        self.app_names = {app: content.words(f"app_{app}") for app in self.apps}
        self.matcher = Matcher(content)
        normalizer = self.matcher.normalizer
        # Per topic: every word its examples use, to tell whether a question fits it at all.
        self.vocabulary: dict[str, set[str]] = {}
        for topic in content.topics.values():
            words = self.vocabulary.setdefault(topic.id, set())
            for examples in topic.examples.values():
                for example in examples:
                    words.update(normalizer.normalize(example).folded)

    @property
    def example_count(self) -> int:
        """How many example texts are indexed."""
        return self.matcher.example_count

    def match(self, text: str) -> Match:
        """Ranked topics for `text`."""
        return self.matcher.match(text)

    def named_app(self, text: str) -> str | None:
        """The app a text names outright (lexicon lists `app_<id>`), or None."""
        tokens = f" {' '.join(_WORD.findall(fold(text)))} "
        for app, names in self.app_names.items():
            if any(f" {fold(name)} " in tokens for name in names):
                return app
        return None

    def understand(self, text: str, context_app: str | None = None) -> Decision:
        """Decide what `text` asks; `context_app` is the app the conversation was about."""
        match = self.matcher.match(text)
        candidates = list(match.candidates)
        named = self.named_app(text)
        if context_app is not None and named is None:
            candidates = sorted(
                ((t, s + CONTEXT_BOOST if app_of(t) == context_app else s) for t, s in candidates),
                key=lambda item: item[1],
                reverse=True,
            )
        ranked = tuple((t, round(min(s, 1.0), 3)) for t, s in candidates)
        if not ranked or ranked[0][1] < REJECT_BELOW:
            best = ranked[0][1] if ranked else 0.0
            return Decision("unknown", None, best, candidates=ranked)
        topic, confidence = ranked[0]
        if named is None:
            options = self._parallel_fits(text, topic)
            in_context = [t for t in options if app_of(t) == context_app]
            if in_context:
                # "cài đặt thế nào?" right after talking about Bluezone means Bluezone.
                return Decision("answer", in_context[0], confidence, candidates=ranked)
            if len(options) > 1:
                return Decision("clarify", options[0], confidence, options, ranked)
        return Decision("answer", topic, confidence, candidates=ranked)

    def _parallel_fits(self, text: str, topic: str) -> tuple[str, ...]:
        """The same-named topics of every app whose own examples use all the words of `text`."""
        if app_of(topic) not in self.apps:
            return ()
        words = set(self.matcher.words(text))
        parallel = []
        for app in self.apps:
            candidate = f"{app}.{_name_of(topic)}"
            if candidate in self.content.topics and words <= self.vocabulary[candidate]:
                parallel.append(candidate)
        return tuple(parallel)
