"""The links a volunteer shares: a Telegram deep link and a web chat link, both carrying the
volunteer's referral code.

There is no Zalo link: an Official Account's link (`https://zalo.me/<OA id>`) passes no
parameter on to the bot's webhook (the `follow` event's `source` says only where the follow
button was), so a Zalo link could not carry the code. Sources in docs/facts.md §8.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode, urlsplit

from bot.settings import SettingsError
from bot.share import link_payload

LinkKind = Literal["guide", "topic"]
BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")
# What the web page accepts beside `guide` / `topic` (channels/web checks ids the same way).
SHARED_ID = re.compile(r"^[a-z0-9_.]{1,60}$")
REFERRAL = re.compile(r"^[A-Z2-9]{6}$")


@dataclass(frozen=True, slots=True)
class ItemLinks:
    """The links to one guide or topic: the web chat's, and Telegram's when there is a bot."""

    web: str
    telegram: str | None = None


@dataclass(frozen=True, slots=True)
class ShareLinks:
    """Where links point: the web chat's public address and the Telegram bot's username."""

    web: str = "http://127.0.0.1:8080"
    telegram_bot: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ShareLinks:
        """From PUBLIC_URL (default http://HOST:PORT) and TELEGRAM_BOT_USERNAME."""
        default = f"http://{env.get('HOST') or '127.0.0.1'}:{env.get('PORT') or '8080'}"
        web = (env.get("PUBLIC_URL") or default).strip().rstrip("/")
        parts = urlsplit(web)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise SettingsError(
                "PUBLIC_URL must be the web chat's public address, e.g. "
                f"https://helpdesk.example.gov.vn, not {web!r}"
            )
        bot = (env.get("TELEGRAM_BOT_USERNAME") or "").strip().removeprefix("@") or None
        if bot is not None and not BOT_USERNAME.match(bot):
            raise SettingsError(
                f"TELEGRAM_BOT_USERNAME must be the bot's @username (5-32 letters), not {bot!r}"
            )
        return cls(web=web, telegram_bot=bot)

    def telegram(self, payload: str) -> str | None:
        """`https://t.me/<bot>?start=<payload>`, or None without a bot username."""
        if self.telegram_bot is None:
            return None
        return f"https://t.me/{self.telegram_bot}?start={payload}"

    def item(self, kind: LinkKind, item_id: str, referral: str | None = None) -> ItemLinks:
        """The links that open a guide or topic, carrying `referral` when given."""
        query = {kind: item_id} | ({"ref": referral} if referral else {})
        return ItemLinks(
            web=f"{self.web}/?{urlencode(query)}",
            telegram=self.telegram(link_payload(kind, item_id, referral)),
        )

    def join(self, invitation: str) -> str | None:
        """The Telegram link that redeems an invitation code (the web page has none yet)."""
        return self.telegram(f"join_{invitation}")


def web_start_payload(query: Mapping[str, str]) -> str | None:
    """The `/start` payload a web chat link stands for (`?guide=<id>&ref=<code>`), or None.

    The web page should send `/start <this>` when it opens with such a link, so that the
    referral is recorded as it is for a Telegram deep link.
    """
    kind: LinkKind
    for kind in ("guide", "topic"):
        item_id = query.get(kind)
        if item_id is None or not SHARED_ID.match(item_id):
            continue
        referral = query.get("ref")
        try:
            return link_payload(
                kind, item_id, referral if referral and REFERRAL.match(referral) else None
            )
        except ValueError:
            return None
    return None
