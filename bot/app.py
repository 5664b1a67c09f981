"""Assemble the core from settings: content, matcher, database, catalogs, router, engine."""

from __future__ import annotations

import logging

from bot.channel_profile import ChannelProfile
from bot.content import Content, load_content
from bot.engine import Engine, EngineOptions, Responder
from bot.guard.flood import Rate
from bot.i18n import translations
from bot.matcher import Understander
from bot.settings import Settings

log = logging.getLogger(__name__)


def build_responder(
    settings: Settings,
    content: Content | None = None,
    understander: Understander | None = None,
    admins: frozenset[str] = frozenset(),
    channels: tuple[ChannelProfile, ...] = (),
) -> Responder:
    """The conversation core without storage (`helpdesk ask` uses it alone)."""
    from bot.volunteers.links import ShareLinks
    from handlers import build_router, fallback

    content = content or load_content(settings.content_dir)
    return Responder(
        content=content,
        understander=understander or Understander(content),
        router=build_router(ShareLinks.from_env(settings.env or {})),
        catalogs={loc: translations(settings.locales_dir, loc) for loc in content.locales},
        bad_input=fallback.bad_input,
        options=EngineOptions(
            default_locale=settings.default_locale,
            message_retention_days=settings.message_retention_days,
            person_rate=Rate(settings.person_per_minute, settings.person_burst),
            admins=admins,
            channels=channels,
        ),
    )


async def build_engine(
    settings: Settings,
    database_url: str | None = None,
    content: Content | None = None,
    understander: Understander | None = None,
) -> Engine:
    """A ready engine: content loaded and checked, index built, database migrated.

    `content` and `understander` may be passed in to share them (tests, several engines).
    """
    from bot.plugins import admin_ids, profiles
    from bot.storage import Database

    channels = profiles()
    # Each channel declares the setting that lists its admins (ADMIN_TELEGRAM_IDS...).
    admins = admin_ids(settings.env or {}, channels)
    responder = build_responder(settings, content, understander, admins, channels)
    database = Database(database_url or settings.database_url, secret_key=settings.secret_key)
    await database.upgrade()
    log.info(
        "content loaded: %d topics, %d guides, %d examples indexed",
        len(responder.content.topics),
        len(responder.content.guides),
        responder.understander.example_count,
    )
    return Engine(responder, database)
