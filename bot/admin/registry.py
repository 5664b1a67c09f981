"""The console's sections, in menu order. A new section is a module exporting `SECTION`,
added here; the tickets pages replace `tickets.py`."""

from __future__ import annotations

from bot.admin.broadcasts import SECTION as BROADCASTS
from bot.admin.campaigns import SECTION as CAMPAIGNS
from bot.admin.content import SECTION as CONTENT
from bot.admin.dashboard import SECTION as DASHBOARD
from bot.admin.feedback import SECTION as FEEDBACK
from bot.admin.parked import SECTION as PARKED
from bot.admin.sections import Section
from bot.admin.tickets import SECTION as TICKETS

SECTIONS: tuple[Section, ...] = (
    DASHBOARD,
    TICKETS,
    BROADCASTS,
    CAMPAIGNS,
    CONTENT,
    FEEDBACK,
    PARKED,
)
