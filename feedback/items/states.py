"""The life of an item in one place: which action may move it from which status to which.

"Overdue" is not a status: it is derived from the deadline and the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from feedback.errors import Conflict

STATUSES = {
    "received": _l("Received"),
    "assigned": _l("Assigned"),
    "in_progress": _l("In progress"),
    "responded": _l("Answered"),
    "closed": _l("Closed"),
    "rejected": _l("Rejected"),
    "merged": _l("Merged into another item"),
    "withdrawn": _l("Withdrawn by the filer"),
}
OPEN_STATUSES = ("received", "assigned", "in_progress")
FINAL_STATUSES = ("closed", "rejected", "merged", "withdrawn")


@dataclass(frozen=True)
class Action:
    name: str
    label: object
    sources: tuple[str, ...]
    # None: the item keeps its status (an extension, a note, a draft).
    target: str | None
    needs_reason: bool = False
    staff_only: bool = True
    filer_only: bool = False


ACTIONS = {action.name: action for action in (
    Action("assign", _l("Assign"), ("received",), "assigned"),
    Action("start", _l("Start handling"), ("assigned",), "in_progress"),
    Action("transfer", _l("Transfer to another unit"), ("received", "assigned", "in_progress"), "assigned",
           needs_reason=True),
    Action("extend", _l("Extend the deadline"), ("assigned", "in_progress"), None, needs_reason=True),
    Action("draft", _l("Draft an answer"), ("assigned", "in_progress"), None),
    Action("respond", _l("Answer"), ("assigned", "in_progress"), "responded"),
    Action("close", _l("Close"), ("responded",), "closed"),
    Action("reopen", _l("Reopen"), ("responded", "closed"), "in_progress", needs_reason=True),
    Action("reject", _l("Reject as not admissible"), ("received", "assigned", "in_progress"), "rejected",
           needs_reason=True),
    Action("merge", _l("Merge into the original item"), ("received", "assigned", "in_progress"), "merged"),
    Action("withdraw", _l("Withdraw"), ("received", "assigned", "in_progress"), "withdrawn", staff_only=False,
           filer_only=True),
    Action("note", _l("Add an internal note"), tuple(STATUSES), None, needs_reason=True),
)}


def check_move(status: str, action_name: str) -> Action:
    """The action, if ``action_name`` may be done on an item in ``status``; Conflict otherwise."""
    action = ACTIONS.get(action_name)
    if action is None:
        raise Conflict(_("Unknown action: %(action)s.", action=action_name),
                       {"action": _("Use one of: %(actions)s.", actions=", ".join(ACTIONS))})
    if status not in action.sources:
        raise Conflict(
            _("An item that is “%(status)s” cannot be: %(action)s.", status=STATUSES.get(status, status),
              action=action.label),
            {"action": _("Possible now: %(actions)s.", actions=", ".join(allowed_actions(status)) or "—")},
        )
    return action


def allowed_actions(status: str) -> list[str]:
    return [name for name, action in ACTIONS.items() if status in action.sources]


# How the timeline names each event, the actions' own labels included.
EVENT_LABELS = {
    "filed": _l("Received"),
    "assign": _l("Assigned to the head of unit"),
    "start": _l("Handling started"),
    "transfer": _l("Transferred to another unit"),
    "extend": _l("Deadline extended"),
    "draft": _l("Answer drafted"),
    "respond": _l("Answered"),
    "close": _l("Closed"),
    "reopen": _l("Reopened"),
    "reject": _l("Rejected as not admissible"),
    "merge": _l("Merged into the original item"),
    "withdraw": _l("Withdrawn by the filer"),
    "note": _l("Internal note"),
    "escalate": _l("Escalated to a higher level"),
    "information_added": _l("The filer added information"),
    "viewed_personal_data": _l("Personal data viewed"),
    "personal_data_erased": _l("Personal data deleted"),
    "unit_merged": _l("Unit merged: passed to the successor"),
    "rated": _l("The filer rated the answer"),
    "public_text_edited": _l("Public text reviewed"),
}
