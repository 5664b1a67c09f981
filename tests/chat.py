"""A conversation tester: say things, press buttons by label, read what came back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.content import Content
from bot.engine import Engine
from bot.messages import Button, Contact, Inbound, Outbound, TurnResult
from bot.render import strip_markup
from bot.storage import Database, Event


@dataclass
class Chat:
    """One person talking to an engine, like a phone would."""

    engine: Engine
    user: str = "person-1"
    channel: str = "test"
    replies: list[Outbound] = field(default_factory=list)
    last: TurnResult | None = None

    async def say(self, text: str | None) -> list[Outbound]:
        """Type a message."""
        return await self._send(Inbound(channel=self.channel, user_id=self.user, text=text))

    async def tap(self, action: str) -> list[Outbound]:
        """Press a button by its action (also works for buttons from old messages)."""
        return await self._send(Inbound(channel=self.channel, user_id=self.user, action=action))

    async def press(self, label_part: str) -> list[Outbound]:
        """Press the button in the latest replies whose label contains `label_part`."""
        return await self.tap(self.button(label_part).action)

    async def _send(self, inbound: Inbound) -> list[Outbound]:
        self.last = await self.engine.handle_turn(inbound)
        self.replies = self.last.replies
        return self.replies

    def button(self, label_part: str) -> Button:
        """The button in the latest replies whose label contains `label_part`."""
        found = [b for b in self.buttons if label_part.lower() in b.label.lower()]
        if not found:
            raise AssertionError(
                f"no button with {label_part!r}; buttons are {[b.label for b in self.buttons]}"
            )
        return found[0]

    @property
    def text(self) -> str:
        """All reply texts of the latest turn, markup removed."""
        return "\n".join(strip_markup(r.text) for r in self.replies)

    @property
    def buttons(self) -> list[Button]:
        """Every button of the latest turn."""
        return [b for r in self.replies for b in r.buttons]

    @property
    def contacts(self) -> list[Contact]:
        """Every contact card of the latest turn."""
        return [c for r in self.replies for c in r.contacts]

    @property
    def topic(self) -> str | None:
        """The topic the latest typed message was understood as."""
        understanding = self.last.understanding if self.last else None
        return understanding.topic if understanding else None


async def fetch_all(database: Database, statement: Select[Any]) -> list[Any]:
    """Run an ORM select in its own transaction and return the loaded objects."""

    def run(connection: Connection) -> list[Any]:
        with Session(connection) as session:
            return list(session.scalars(statement))

    return await database.run(run)


async def fetch_one(database: Database, statement: Select[Any]) -> Any:
    """Run a select that returns one value."""

    def run(connection: Connection) -> Any:
        return connection.execute(statement).scalar_one()

    return await database.run(run)


async def events(engine: Engine, kind: str) -> list[Event]:
    """The analytics events of one kind, oldest first."""
    return await fetch_all(
        engine.database, select(Event).where(Event.kind == kind).order_by(Event.id)
    )


def hotline_numbers(content: Content, province: str) -> set[str]:
    """The phone numbers the content gives for a province."""
    found = content.province(province)
    assert found is not None
    return {h.phone for h in found.hotlines}
