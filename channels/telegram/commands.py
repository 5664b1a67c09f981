"""The bot's command menu (setMyCommands), in every language the content has."""

from __future__ import annotations

from bot.i18n import N_

# (command, description): descriptions are interface strings, translated per language.
COMMANDS = (
    ("start", N_("Start, or start again")),
    ("menu", N_("Main menu")),
    ("hotline", N_("Support phone numbers")),
    ("lang", N_("Change language")),
    ("stop", N_("Stop reminders")),
    ("xoadulieu", N_("Delete my data")),
)
