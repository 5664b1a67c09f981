"""Understanding typed questions: Vietnamese-aware normalisation and retrieval over examples."""

from bot.matcher.decision import Decision, Understander, app_of
from bot.matcher.index import Match, Matcher
from bot.normalize import Normalizer, fold

__all__ = ["Decision", "Match", "Matcher", "Normalizer", "Understander", "app_of", "fold"]
