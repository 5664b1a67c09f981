"""Alembic environment: run migrations on the connection the application hands over."""

from alembic import context
from sqlalchemy import create_engine

from bot.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    # Command-line use (`alembic revision --autogenerate`): a synchronous URL in sqlalchemy.url.
    url = config.get_main_option("sqlalchemy.url") or "sqlite:///var/helpdesk.db"
    engine = create_engine(url)
    with engine.connect() as sync_connection:
        context.configure(
            connection=sync_connection,
            target_metadata=target_metadata,
            render_as_batch=sync_connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run()
