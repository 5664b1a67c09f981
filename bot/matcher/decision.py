"""From scores to a decision: answer, ask which app was meant, or admit not understanding."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.content.models import Content
from bot.matcher.calibration import Calibration, signals
from bot.matcher.index import NONE, Match, Matcher
from bot.matcher.normalize import fold

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# How much the app of the previous topic helps when a question names no app.
CONTEXT_BOOST = 0.05


@dataclass(frozen=True, slots=True)
class Decision:
    """`kind` is "answer" (topic), "clarify" (options, `topic` is the best guess) or "unknown".

    `confidence` is the calibrated probability that `topic` is what the person asked about.
    """

    kind: str
    topic: str | None
    confidence: float
    options: tuple[str, ...] = ()
    candidates: tuple[tuple[str, float], ...] = ()


def _padded(name: str) -> str:
    """A name as it is looked for in a text: folded words between spaces."""
    return f" {' '.join(_WORD.findall(fold(name)))} "


def app_of(topic_id: str) -> str:
    """The app part of a topic id ('bluezone' for 'bluezone.otp')."""
    return topic_id.split(".", 1)[0]


def _name_of(topic_id: str) -> str:
    return topic_id.split(".", 1)[-1]


class Understander:
    """The matcher plus the rules that turn its scores into what the bot should do.

    - A question that names an app ("bluezone", "ncovi", "qr") is matched only against that
      app's topics and the topics shared by all (support, policy, small talk).
    - The out-of-scope examples of the content compete with the topics; the calibrated
      confidence takes into account how far the best topic is ahead of them.
    - Topics with the same name in different apps (`bluezone.install`, `ncovi.install`) are
      parallel: a question that names no app, lands on a parallel topic, and uses only words
      found in the examples of several of them ("cài đặt thế nào?") gets "which app?",
      unless the conversation was already about one of those apps.
    """

    def __init__(self, content: Content, calibration: Calibration | None = None) -> None:
        self.content = content
        self.calibration = calibration or Calibration.load()
        self.apps = tuple(section.id for section in content.menu)
        self.app_names = {app: content.words(f"app_{app}") for app in self.apps}
        # Names as " word word " in folded form, computed once: checked on every question.
        self._app_forms = {
            app: tuple(_padded(name) for name in names) for app, names in self.app_names.items()
        }
        self._other_app_forms = tuple(_padded(name) for name in content.words("other_apps"))
        self.matcher = Matcher(content)
        shared = {t for t in content.topics if app_of(t) not in self.apps}
        self.shared_topics = frozenset(shared)
        self.app_topics = {
            app: frozenset({t for t in content.topics if app_of(t) == app} | shared)
            for app in self.apps
        }
        # Per topic: every word its examples use, to tell whether a question fits it at all.
        self.vocabulary = self.matcher.topic_words
        # Per guide and branch: the branch keywords as the matcher reads them.
        self.branch_words = {
            guide.id: {
                branch.id: tuple(f" {' '.join(self.matcher.words(k))} " for k in branch.keywords)
                for branch in guide.branches
            }
            for guide in content.guides.values()
        }

    @property
    def example_count(self) -> int:
        """How many example texts are indexed."""
        return self.matcher.example_count

    def named_apps(self, text: str) -> frozenset[str]:
        """The apps a text names outright (lexicon lists `app_<id>`), typos repaired."""
        tokens = f" {' '.join(self.matcher.words(text))} {' '.join(_WORD.findall(fold(text)))} "
        return frozenset(
            app for app, forms in self._app_forms.items() if any(f in tokens for f in forms)
        )

    def names_another_app(self, text: str) -> bool:
        """True when the text names an app or service that is not ours (Zalo, a bank...)."""
        tokens = f" {' '.join(_WORD.findall(fold(text)))} "
        return any(form in tokens for form in self._other_app_forms)

    def allowed_topics(
        self, named: frozenset[str], other_app: bool = False
    ) -> frozenset[str] | None:
        """The topics a question may be about (None: any topic).

        Naming our apps opens their topics and the shared ones; naming only somebody else's
        app ("tải zalo cho dt oppo") leaves just the shared topics, so the question is judged
        against the out-of-scope examples instead of our apps' look-alike questions.
        """
        if named:
            return frozenset().union(*(self.app_topics[app] for app in named))
        if other_app:
            return self.shared_topics
        return None

    def allowed_for(self, text: str) -> tuple[frozenset[str], frozenset[str] | None]:
        """The apps `text` names and the topics it may be about."""
        named = self.named_apps(text)
        return named, self.allowed_topics(named, not named and self.names_another_app(text))

    def understand(self, text: str, context_app: str | None = None) -> Decision:
        """Decide what `text` asks; `context_app` is the app the conversation was about."""
        named, allowed = self.allowed_for(text)
        match = self.matcher.match(text, allowed)
        return self.decide(text, match, named, context_app)

    def decide(
        self, text: str, match: Match, named: frozenset[str], context_app: str | None
    ) -> Decision:
        """Turn a match into a decision (separate from matching for evaluation tools)."""
        in_scope = [(t, s) for t, s in match.candidates if t != NONE]
        ranked = tuple((t, round(min(s, 1.0), 3)) for t, s in match.candidates)
        if not in_scope:
            return Decision("unknown", None, 0.0, candidates=ranked)
        # How clear the question is, from its own words; the conversation only picks among
        # near-equal readings afterwards.
        best, best_score = in_scope[0]
        confidence = round(self.calibration.probability(signals(match, best)), 3)
        if confidence < self.calibration.threshold or match.score(NONE) >= best_score:
            return Decision("unknown", None, confidence, candidates=ranked)
        topic = best
        if context_app is not None and not named:
            topic = max(
                in_scope,
                key=lambda item: item[1] + (CONTEXT_BOOST if app_of(item[0]) == context_app else 0),
            )[0]
        topic = self._platform_sibling(text, topic)
        if not named:
            options = self._parallel_fits(text, topic)
            in_context = [t for t in options if app_of(t) == context_app]
            if in_context:
                # "cài đặt thế nào?" right after talking about Bluezone means Bluezone.
                return Decision("answer", in_context[0], confidence, candidates=ranked)
            if len(options) > 1:
                # Best scored first: it is the guess reported, and the first button shown.
                score = dict(match.candidates)
                options = tuple(sorted(options, key=lambda t: -score.get(t, 0.0)))
                return Decision("clarify", options[0], confidence, options, ranked)
        return Decision("answer", topic, confidence, candidates=ranked)

    def _platform_sibling(self, text: str, topic: str) -> str:
        """The variant of `topic` for the phone the text names, when it has one per platform.

        The content links them: a variant's id extends the topic's (`bluezone.install_ios`)
        and offers the branch of the same guide whose keywords name that phone.
        """
        found = self.content.topic(topic)
        guide = self.content.guide(found.guide) if found and found.guide else None
        if guide is None or len(guide.branches) < 2:
            return topic
        words = f" {' '.join(self.matcher.words(text))} "
        named = [
            branch
            for branch, keywords in self.branch_words[guide.id].items()
            if any(keyword in words for keyword in keywords)
        ]
        if len(named) != 1 or named[0] == found.guide_branch:  # type: ignore[union-attr]
            return topic
        sibling = next(
            (
                t.id
                for t in self.content.topics.values()
                if t.id.startswith(f"{topic}_")
                and t.guide == guide.id
                and t.guide_branch == named[0]
            ),
            None,
        )
        return sibling or topic

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
