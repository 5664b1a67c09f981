"""The admin console (issue 15): web pages under `/admin` on the bot's own server.

Core code: it imports no channel. `bot.admin.web.install` adds the routes; accounts are
made with `helpdesk admin create-user` (`bot/cli_admin.py`). See `sections.py` for how a
section (a page in the menu, with the role it needs) plugs in.
"""
