"""The knowledge base as data: topics, guides, provinces and hotlines, loaded from content/."""

from bot.content.loader import ContentError, load_content
from bot.content.models import (
    Branch,
    Content,
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
)

__all__ = [
    "Branch",
    "Content",
    "ContentError",
    "Guide",
    "Hotline",
    "Localized",
    "MenuSection",
    "Operator",
    "Province",
    "Site",
    "Source",
    "Step",
    "Topic",
    "load_content",
]
