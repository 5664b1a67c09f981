"""Storage: SQLAlchemy 2 async models, the database engine and Alembic migrations."""

from bot.storage.database import Database
from bot.storage.models import Base, DialogueState, Event, MessageLog, User

__all__ = ["Base", "Database", "DialogueState", "Event", "MessageLog", "User"]
