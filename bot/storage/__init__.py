"""Storage: SQLAlchemy 2 async models, the database engine and Alembic migrations."""

# Tables kept beside their feature; imported here so that Base.metadata (Alembic's
# comparison, create_all) always has every table.
from bot.storage import admin_tables, ticket_tables, volunteer_tables  # noqa: F401
from bot.storage.database import Database
from bot.storage.models import Base, DialogueState, Event, MessageLog, User

__all__ = ["Base", "Database", "DialogueState", "Event", "MessageLog", "User"]
