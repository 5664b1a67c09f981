"""Settings from environment variables (and an optional `.env` file), checked at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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
SUPPORTED_LOCALES = ("vi", "en")


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
    env: Mapping[str, str] | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from `env` (default: the process environment plus `.env`)."""
        if env is None:
            load_dotenv_file()
            env = dict(os.environ)
        locale = env.get("DEFAULT_LOCALE", "vi")
        if locale not in SUPPORTED_LOCALES:
            raise SettingsError(
                f"DEFAULT_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}, not {locale!r}"
            )
        database_url = env.get("DATABASE_URL", DEFAULT_DATABASE_URL)
        if not database_url.startswith(DATABASE_SCHEMES):
            raise SettingsError(
                "DATABASE_URL must be a SQLite or PostgreSQL URL, e.g. sqlite:///var/helpdesk.db "
                "or postgresql+asyncpg://user:password@host/database"
            )
        return cls(
            database_url=database_url,
            content_dir=Path(env.get("CONTENT_DIR", str(PROJECT_ROOT / "content"))),
            locales_dir=Path(env.get("LOCALES_DIR", str(PROJECT_ROOT / "locales"))),
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
            env=env,
        )


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(env: Mapping[str, str]) -> str:
    level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    return level


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
