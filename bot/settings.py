"""Settings from environment variables (and an optional `.env` file), checked at start."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.guard.address import LOOPBACK, TrustedProxies

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///var/helpdesk.db"
DATABASE_SCHEMES = (
    "sqlite://",
    "sqlite+aiosqlite://",
    "sqlite+pysqlite://",
    "postgresql://",
    "postgres://",
    "postgresql+asyncpg://",
)


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names it."""


@dataclass(frozen=True)
class Settings:
    """The core's settings. Channel adapters read their own settings from `env`."""

    database_url: str = DEFAULT_DATABASE_URL
    content_dir: Path = PROJECT_ROOT / "content"
    locales_dir: Path = PROJECT_ROOT / "locales"
    default_locale: str = "vi"
    host: str = "127.0.0.1"
    port: int = 8080
    message_retention_days: int = 30
    broadcast_interval_seconds: int = 5
    broadcast_concurrency: int = 16
    broadcast_lease_seconds: int = 60
    log_level: str = "INFO"
    # Web chat people (channels that cannot message first) idle this long are purged.
    session_retention_days: int = 30
    # Messages one person may send a minute on any channel, and at once (bot/engine.py).
    # Local times (Asia/Ho_Chi_Minh) between which no broadcast is sent; None: any time.
    quiet_hours: tuple[dt.time, dt.time] | None = (dt.time(21, 0), dt.time(7, 0))
    person_per_minute: int = 60
    person_burst: int = 20
    # Server limits (bot/serving.py): an idle connection or one whose request line and
    # headers never finish is closed after this; a request body must arrive within the other.
    http_idle_timeout_seconds: int = 15
    http_body_timeout_seconds: int = 10
    max_connections: int = 1000
    # The key that encrypts channel credentials at rest (bot/storage/sealing.py); when
    # unset, one is generated into a 0600 file beside the SQLite database.
    secret_key: str | None = None
    # Proxies whose X-Forwarded-For is believed for the client's address (bot/guard/address.py).
    trusted_proxies: TrustedProxies = LOOPBACK
    env: Mapping[str, str] | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from `env` (default: the process environment plus `.env`)."""
        if env is None:
            load_dotenv_file()
            env = dict(os.environ)
        locales_dir = Path(env.get("LOCALES_DIR", str(PROJECT_ROOT / "locales")))
        locale = env.get("DEFAULT_LOCALE", "vi")
        known = interface_locales(locales_dir)
        if locale not in known:
            raise SettingsError(f"DEFAULT_LOCALE must be one of {', '.join(known)}, not {locale!r}")
        database_url = env.get("DATABASE_URL", DEFAULT_DATABASE_URL)
        if not database_url.startswith(DATABASE_SCHEMES):
            raise SettingsError(
                "DATABASE_URL must be a SQLite or PostgreSQL URL, e.g. sqlite:///var/helpdesk.db "
                "or postgresql+asyncpg://user:password@host/database"
            )
        return cls(
            database_url=database_url,
            content_dir=Path(env.get("CONTENT_DIR", str(PROJECT_ROOT / "content"))),
            locales_dir=locales_dir,
            default_locale=locale,
            host=env.get("HOST", "127.0.0.1"),
            port=_int(env, "PORT", 8080, minimum=1, maximum=65535),
            message_retention_days=_int(env, "MESSAGE_RETENTION_DAYS", 30, minimum=0),
            broadcast_interval_seconds=_int(env, "BROADCAST_INTERVAL_SECONDS", 5, minimum=1),
            broadcast_concurrency=_int(env, "BROADCAST_CONCURRENCY", 16, minimum=1, maximum=64),
            broadcast_lease_seconds=_int(
                env, "BROADCAST_LEASE_SECONDS", 60, minimum=1, maximum=3600
            ),
            log_level=_log_level(env),
            quiet_hours=_quiet_hours(env),
            session_retention_days=_int(env, "SESSION_RETENTION_DAYS", 30, minimum=1),
            person_per_minute=_int(env, "PERSON_PER_MINUTE", 60, minimum=0, maximum=6000),
            person_burst=_int(env, "PERSON_BURST", 20, minimum=1, maximum=1000),
            http_idle_timeout_seconds=_int(
                env, "HTTP_IDLE_TIMEOUT_SECONDS", 15, minimum=1, maximum=3600
            ),
            http_body_timeout_seconds=_int(
                env, "HTTP_BODY_TIMEOUT_SECONDS", 10, minimum=1, maximum=3600
            ),
            max_connections=_int(env, "MAX_CONNECTIONS", 1000, minimum=16, maximum=100_000),
            secret_key=_secret_key(env),
            trusted_proxies=_trusted_proxies(env),
            env=env,
        )


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SECRET_KEY_MIN_CHARS = 32


def _secret_key(env: Mapping[str, str]) -> str | None:
    key = (env.get("SECRET_KEY") or "").strip()
    if key and len(key) < SECRET_KEY_MIN_CHARS:
        raise SettingsError(
            f"SECRET_KEY must be at least {SECRET_KEY_MIN_CHARS} characters, e.g. "
            'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    return key or None


def interface_locales(locales_dir: Path) -> tuple[str, ...]:
    """The languages the interface is translated into: one catalog folder each, the single
    source the settings, the CLI and the content's `locales:` are checked against."""
    return tuple(
        sorted(
            folder.parent.name
            for folder in locales_dir.glob("*/LC_MESSAGES")
            if (folder / "helpdesk.po").exists() or (folder / "helpdesk.mo").exists()
        )
    )


def _quiet_hours(env: Mapping[str, str]) -> tuple[dt.time, dt.time] | None:
    """BROADCAST_QUIET_HOURS: `21:00-07:00` (the default), or `none` to send at any hour."""
    raw = env.get("BROADCAST_QUIET_HOURS", "21:00-07:00").strip()
    if raw.lower() in ("none", "off", ""):
        return None
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in raw.split("-"))
    except ValueError:
        raise SettingsError(
            f"BROADCAST_QUIET_HOURS must look like 21:00-07:00 (or none), not {raw!r}"
        ) from None
    return start, end


def _log_level(env: Mapping[str, str]) -> str:
    level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    return level


def _trusted_proxies(env: Mapping[str, str]) -> TrustedProxies:
    raw = env.get("TRUSTED_PROXIES", "").strip()
    if not raw:
        return LOOPBACK
    if raw.lower() == "none":
        return TrustedProxies(())
    try:
        return TrustedProxies.parse(raw)
    except ValueError as error:
        raise SettingsError(
            f"TRUSTED_PROXIES must be comma-separated IP addresses or networks: {error}"
        ) from None


def whole_number(
    env: Mapping[str, str], name: str, default: int, minimum: int = 0, maximum: int | None = None
) -> int:
    """A whole number from `name` (`default` when unset), between `minimum` and `maximum`."""
    return _int(env, name, default, minimum, maximum)


def _int(
    env: Mapping[str, str], name: str, default: int, minimum: int = 0, maximum: int | None = None
) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        raise SettingsError(f"{name} must be between {minimum} and {maximum or 'any'}, not {value}")
    return value


def rate(env: Mapping[str, str], name: str, default: float) -> float:
    """A send rate in messages per second (0 < rate <= 1000), from `name`."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 1000:
        raise SettingsError(f"{name} must be a number of messages per second (up to 1000)")
    return value


def load_dotenv_file() -> None:
    """Load `.env` from the working directory if there is one; real variables win."""
    from dotenv import load_dotenv

    load_dotenv(Path.cwd() / ".env", override=False)
