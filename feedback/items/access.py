"""Who may open an item on the web: its filer (in this browser session) or the staff who handle it."""

from __future__ import annotations

from flask import abort, session
from flask_login import current_user

from feedback.items import services
from feedback.items.models import Item
from feedback.security import private

# The codes of the items whose filer proved it in this session (access key or phone number).
ACCESS_SESSION_KEY = "item_access"
REMEMBERED = 20


def grant_filer_access(item: Item) -> None:
    """Remember in the session that the filer of ``item`` opened it (the latest few items)."""
    granted = session.setdefault(ACCESS_SESSION_KEY, [])
    if item.code not in granted:
        granted.append(item.code)
        del granted[:-REMEMBERED]
        session.modified = True


def filer_item(code: str) -> Item:
    """The item whose filer opened it in this session (key or phone), or 403."""
    item = services.find_item(code)
    if item.code not in session.get(ACCESS_SESSION_KEY, []):
        abort(403)
    private()
    return item


def staff_item(code: str) -> Item:
    """The item, if the signed-in member of staff handles its unit; otherwise 404, as if absent."""
    return services.find_item_for_staff(current_user, code)
