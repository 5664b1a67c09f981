"""Reply serialisation shared by channels that speak JSON (the web chat, test tools)."""

from __future__ import annotations

from typing import Any

from bot.messages import Outbound


def reply_to_json(reply: Outbound) -> dict[str, Any]:
    """One reply as the web chat's JSON: text, buttons, contacts, links."""
    return {
        "text": reply.text,
        "buttons": [{"label": b.label, "action": b.action} for b in reply.buttons],
        "contacts": [
            {"name": c.name, "phone": c.phone, "role": c.role, "dial": c.dial}
            for c in reply.contacts
        ],
        "links": [{"label": link.label, "url": link.url} for link in reply.links],
        "share": None
        if reply.share is None
        else {
            "kind": reply.share.kind,
            "id": reply.share.id,
            "title": reply.share.title,
            "ref": reply.share.ref,
        },
    }
