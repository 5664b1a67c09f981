"""From scores to a decision: answer, ask which app was meant, or admit not understanding.

Its length is the routes a first reply needs (two requests in one, a phone, symptoms, small
talk, a request for a person), which all work on the same decision and its entities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from bot.content.models import Content
from bot.matcher.calibration import Calibration, same_question
from bot.matcher.entities import Entities, EntityReader
from bot.matcher.features import FeatureIndex
from bot.matcher.index import NONE, Match, Matcher
from bot.matcher.linear import LinearModel
from bot.normalize import fold

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# How much the app of the previous topic helps when a question names no app.
CONTEXT_BOOST = 0.05
# How many of the classifier's best readings a decision keeps.
CANDIDATES = 6
# A same-named topic of another app is offered ("which app?") only when the classifier gives
# it at least this share of the best one's probability.
PARALLEL_SHARE = 0.1
# Topic flows that are only politeness: a request in the same message decides.
SMALL_TALK = ("welcome", "thanks", "help")
# Greetings and thanks: a question after them decides, when it is read clearly enough.
POLITENESS = ("welcome", "thanks")
# Below this many words a greeting is only a greeting.
SMALL_TALK_WORDS = 5
SMALL_TALK_OVERRIDE = 0.6
# How sure the reading of the rest of a "problem + which number?" message must be for the
# problem to be answered beside the hotlines (chosen on the tuning sets).
TWO_PART_CONFIDENCE = 0.3
TWO_PART_SURE = 0.8


DecisionKind = Literal["answer", "clarify", "unknown"]


@dataclass(frozen=True, slots=True)
class Decision:
    """`kind` is "answer" (topic), "clarify" (options, `topic` is the best guess) or "unknown".

    `confidence` is the classifier's probability that `topic` is what the person asked about;
    `entities` is what else the message says (province, app, phone, language, modifiers).
    """

    kind: DecisionKind
    topic: str | None
    confidence: float
    options: tuple[str, ...] = ()
    candidates: tuple[tuple[str, float], ...] = ()
    entities: Entities = field(default_factory=Entities)


def _padded(name: str) -> str:
    """A name as it is looked for in a text: folded words between spaces."""
    return f" {' '.join(_WORD.findall(fold(name)))} "


def app_of(topic_id: str) -> str:
    """The app part of a topic id ('bluezone' for 'bluezone.otp')."""
    return topic_id.split(".", 1)[0]


def _name_of(topic_id: str) -> str:
    return topic_id.split(".", 1)[-1]


class Understander:
    """The classifier, the entities, and the rules that turn them into what the bot does.

    - A question that names an app ("bluezone", "ncovi", "qr") is classified only among that
      app's topics and the topics shared by all (support, policy, small talk, health).
    - The out-of-scope examples of the content are a class of the classifier; the bot
      answers only when the best reading is probable enough and out of scope is not.
    - A greeting with a question, a request for a person with a problem, a keypad phone and
      symptoms are read as the README's *Understanding* section says (`understand`).
    - Topics with the same name in different apps (`bluezone.install`, `ncovi.install`) are
      parallel: a question that names no app, lands on a parallel topic, and uses only words
      found in the examples of several of them ("cài đặt thế nào?") gets "which app?",
      unless the conversation was already about one of those apps.
    """

    def __init__(
        self,
        content: Content,
        calibration: Calibration | None = None,
        model: LinearModel | None = None,
    ) -> None:
        self.content = content
        self.calibration = calibration or Calibration.load()
        self.model = model or LinearModel.load()
        self._features = FeatureIndex(self.model.vocabulary)
        self._class_of = {label: i for i, label in enumerate(self.model.classes)}
        self.apps = tuple(section.id for section in content.menu)
        self.app_names = {app: content.words(f"app_{app}") for app in self.apps}
        # Names as " word word " in folded form, computed once: checked on every question.
        self._app_forms = {
            app: tuple(_padded(name) for name in names) for app, names in self.app_names.items()
        }
        self._other_app_forms = tuple(_padded(name) for name in content.words("other_apps"))
        self.matcher = Matcher(content)
        self.entities = EntityReader(content, self.matcher.normalizer, self.matcher.locale_words)
        symptoms = content.flow_topic("symptoms")
        self.symptom_topic = symptoms.id if symptoms else None
        person = content.flow_topic("escalate")
        self.person_topic = person.id if person else None
        self.small_talk = frozenset(t.id for t in content.topics.values() if t.flow in SMALL_TALK)
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

    def classify(self, text: str, allowed: frozenset[str] | None = None) -> Match:
        """The classifier's readings of `text`, best first, limited to `allowed` topics (and
        always the out-of-scope class) when given; scores are probabilities."""
        known = self.matcher.known_features(text, self._features)
        probabilities = self.model.probabilities_of(known)
        if allowed is not None:
            mask = np.zeros(len(probabilities), dtype=bool)
            for topic in (*allowed, NONE):
                position = self._class_of.get(topic)
                if position is not None:
                    mask[position] = True
            probabilities = np.where(mask, probabilities, 0.0)
            probabilities /= probabilities.sum() or 1.0
        labels = self.model.classes
        order = list(np.argsort(-probabilities)[:CANDIDATES])
        none = self._class_of[NONE]
        if none not in order:
            order.append(none)
        return Match(tuple((labels[i], float(probabilities[i])) for i in order))

    def understand(self, text: str, context_app: str | None = None) -> Decision:
        """Decide what `text` asks; `context_app` is the app the conversation was about.

        Every reading of the message shares one budget of typo searches (Matcher.reading).
        """
        with self.matcher.reading():
            return self._understand(text, context_app)

    def _understand(self, text: str, context_app: str | None) -> Decision:
        entities = self.entities.read(text)
        named, allowed = self.allowed_for(text)
        decision = self.decide(text, self.classify(text, allowed), named, context_app)
        decision = self._without_small_talk(text, decision, named, allowed, context_app)
        if entities.wants_person:
            decision = self._two_part(text, decision, entities, named, allowed, context_app)
        decision = self._for_device(decision, entities)
        decision = replace(decision, entities=entities)
        if entities.symptoms and self.symptom_topic is not None:
            return self._health_first(decision, named)
        if decision.kind == "unknown" and entities.wants_person and self.person_topic:
            # "ở Vĩnh Long thì hỏi ai": nothing else understood, but a person is asked for.
            return replace(decision, kind="answer", topic=self.person_topic)
        return decision

    def _two_part(
        self,
        text: str,
        decision: Decision,
        entities: Entities,
        named: frozenset[str],
        allowed: frozenset[str] | None,
        context_app: str | None,
    ) -> Decision:
        """A request for a person, maybe with a problem ("ncovi ko đăng nhập được, số nào hỗ
        trợ"): the problem is read from the rest of the message and answered when it is
        clear (the handler adds the hotlines); otherwise the request for a person decides."""
        # The problem must be read more surely than the request for a person was: "số hỗ
        # trợ Bluezone ở Quảng Ngãi" names an app, but asks only for the number.
        asked_for_person = dict(decision.candidates).get(self.person_topic or "", 0.0)
        # Without a failure described ("ở Đắk Lắk gọi số nào để được hướng dẫn cài"), an app
        # named beside the request is only what the call is about.
        reports_problem = entities.reports_problem or entities.still_failing
        readings = [self.entities.without_person(text), *self.entities.clauses(text)]
        best: Decision | None = None
        for rest in dict.fromkeys(readings):
            if len(rest.split()) < 2:
                continue
            problem = self.decide(rest, self.classify(rest, allowed), named, context_app)
            found = self.content.topic(problem.topic) if problem.topic else None
            if (
                problem.kind != "unknown"
                and found is not None
                and found.flow in ("answer", "symptoms")
                and problem.confidence >= max(TWO_PART_CONFIDENCE, asked_for_person)
                and (reports_problem or problem.confidence >= TWO_PART_SURE)
                and (best is None or problem.confidence > best.confidence)
            ):
                best = problem
        if best is not None:
            return best
        if self.person_topic is None:
            return decision
        return replace(decision, kind="answer", topic=self.person_topic, options=())

    def _for_device(self, decision: Decision, entities: Entities) -> Decision:
        """A keypad phone's owner asking about an app gets that app's answer for such phones."""
        topic = self.content.topic(decision.topic) if decision.topic else None
        device = entities.device
        if topic is None or device is None or device in topic.devices:
            return decision
        for candidate in self.content.topics.values():
            if candidate.app == topic.app and device in candidate.devices:
                return replace(decision, kind="answer", topic=candidate.id, options=())
        return decision

    def _without_small_talk(
        self,
        text: str,
        decision: Decision,
        named: frozenset[str],
        allowed: frozenset[str] | None,
        context_app: str | None,
    ) -> Decision:
        """A greeting or thanks with a question after it: the question decides."""
        topic = self.content.topic(decision.topic) if decision.topic else None
        if topic is None or topic.flow not in POLITENESS or len(text.split()) < SMALL_TALK_WORDS:
            return decision
        questions = (
            allowed if allowed is not None else frozenset(self.content.topics)
        ) - self.small_talk
        other = self.decide(text, self.classify(text, questions), named, context_app)
        if other.kind == "unknown" or other.confidence < SMALL_TALK_OVERRIDE:
            return decision
        return other

    def _health_first(self, decision: Decision, named: frozenset[str]) -> Decision:
        """A message that reports symptoms is answered with the health route, unless it asks
        about one of our apps by name (then the answer carries the health line too)."""
        topic = self.content.topic(decision.topic) if decision.topic else None
        keeps_app_topic = (
            decision.kind != "unknown"
            and topic is not None
            and (topic.app in named or topic.health)
        )
        if keeps_app_topic:
            return decision
        return replace(decision, kind="answer", topic=self.symptom_topic, options=())

    def decide(
        self, text: str, match: Match, named: frozenset[str], context_app: str | None
    ) -> Decision:
        """Turn the classifier's readings into a decision (separate for evaluation tools)."""
        in_scope = [(t, s) for t, s in match.candidates if t != NONE]
        ranked = tuple((t, round(min(s, 1.0), 3)) for t, s in match.candidates)
        if not in_scope:
            return Decision("unknown", None, 0.0, candidates=ranked)
        best = in_scope[0][0]
        # Readings that differ only by app or phone are one question, told apart below.
        confidence = round(sum(s for t, s in in_scope if same_question(t, best)), 3)
        none = match.score(NONE)
        if (
            confidence < self.calibration.threshold
            or none >= self.calibration.none_cut
            or none >= confidence
        ):
            return Decision("unknown", None, confidence, candidates=ranked)
        topic = best
        if context_app is not None and not named:
            topic = max(
                in_scope,
                key=lambda item: item[1] + (CONTEXT_BOOST if app_of(item[0]) == context_app else 0),
            )[0]
        topic = self._platform_sibling(text, topic)
        if not named:
            fits = self._parallel_fits(text, topic)
            in_context = [t for t in fits if app_of(t) == context_app]
            score = dict(match.candidates)
            least = PARALLEL_SHARE * score.get(topic, 0.0)
            options = tuple(t for t in fits if t == topic or score.get(t, 0.0) >= least)
            if in_context:
                # "cài đặt thế nào?" right after talking about Bluezone means Bluezone.
                return Decision("answer", in_context[0], confidence, candidates=ranked)
            if len(options) > 1:
                # Best scored first: it is the guess reported, and the first button shown.
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
