"""What items say to people: the texts of each step (registered as message templates), and who
hears of it (the filer on the channels they chose, in their language; the head of unit by e-mail)."""

from __future__ import annotations

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _

from feedback import messages
from feedback.links import public_url
from feedback.items.states import STATUSES

# The steps the filer hears of, and which action of the state machine is which step.
FILER_KINDS = ("filed", "assigned", "transferred", "extended", "responded", "status")
FILER_KIND = {"assign": "assigned", "transfer": "transferred", "extend": "extended", "respond": "responded",
              "reject": "status", "merge": "status", "close": "status", "reopen": "status"}


def public_link(item) -> str:
    """The short link of the item's tracking page (/t/CODE), for SMS and e-mails."""
    return public_url("items.short", code=item.code)


def staff_path(item) -> str:
    # Built without a request: tick and jobs run outside one.
    return current_app.url_map.bind("", script_name="/").build("staff.item", {"code": item.code})


def values(item) -> dict:
    """The places every item message may use, in the language being written."""
    return {"code": item.code, "link": public_link(item), "title": item.title,
            "due": format_datetime(item.due_at, "dd/MM/yyyy HH:mm") if item.due_at else "",
            "unit": item.unit.name if item.unit else "", "status": str(STATUSES.get(item.status, item.status))}


def to_filer(item, kind: str, *, key: str | None = None, attachment: bytes | None = None,
             attachment_name: str = "", **context) -> messages.Request | None:
    """A message to the filer, or None for an anonymous item."""
    contact = item.contact
    if contact is None:
        return None
    recipient = messages.Recipient.contact(phone=contact.phone, email=contact.email, sms=contact.notify_sms,
                                           mail=contact.notify_email, locale=contact.locale)
    return messages.Request(kind, recipient, about=item, owner=("item", item.id), key=key, context=context,
                            reference=item.code, link=staff_path(item), attachment=attachment,
                            attachment_name=attachment_name)


def to_staff(user, item, kind: str, *, key: str | None = None) -> messages.Request:
    """An e-mail to a member of staff, with the link to the item's staff page."""
    link = staff_path(item)
    return messages.Request(kind, messages.Recipient.user(user), about=item, owner=("item", item.id), key=key,
                            context={"staff_link": public_url("staff.item", code=item.code)},
                            reference=item.code, link=link)


def tell_filed(item) -> None:
    messages.ask(*filter(None, [to_filer(item, "filed", key=f"item:{item.id}:filed")]))


def tell_step(item, action: str, actor, event) -> None:
    """The filer hears of each step; whoever the item is now assigned to hears of it, unless they
    assigned it to themselves."""
    requests = []
    kind = FILER_KIND.get(action)
    if kind is not None:
        requests.append(to_filer(item, kind, key=f"item-event:{event.id}:{kind}"))
    if action in ("assign", "transfer") and item.assignee is not None and item.assignee != actor:
        requests.append(to_staff(item.assignee, item, "new_item", key=f"item-event:{event.id}:new_item"))
    messages.ask(*filter(None, requests))


# --- the texts -----------------------------------------------------------------------------------


def _filed():
    return (_("Received: item %(code)s. Follow it at %(link)s"),
            _("Your item %(code)s was received"),
            _("Your complaint or petition was received with the tracking code %(code)s.\n\n"
              "Follow it, add information or withdraw it at %(link)s\n\n"
              "You will get a message at each step."))


def _assigned():
    return (_("%(code)s is with the head of unit, answer due %(due)s. %(link)s"),
            _("%(code)s: assigned, answer due %(due)s"),
            _("Your item %(code)s was assigned to the head of %(unit)s, who must answer by %(due)s.\n\n%(link)s"))


def _transferred():
    return (_("%(code)s was transferred to the competent unit. %(link)s"),
            _("%(code)s: transferred"),
            _("Your item %(code)s was transferred to %(unit)s, which is competent to answer it.\n\n%(link)s"))


def _extended():
    return (_("%(code)s: the answer is now due %(due)s. %(link)s"),
            _("%(code)s: deadline extended"),
            _("The deadline to answer your item %(code)s was extended to %(due)s. The reason is on the item's "
              "page.\n\n%(link)s"))


def _responded():
    return (_("%(code)s has been answered. Read the answer: %(link)s"),
            _("%(code)s: answered"),
            _("%(unit)s answered your item %(code)s. Read the answer and tell us whether you are satisfied:"
              "\n\n%(link)s"))


def _status():
    return (_("%(code)s: %(status)s. %(link)s"),
            _("%(code)s: %(status)s"),
            _("Your item %(code)s is now: %(status)s.\n\n%(link)s"))


def _new_item():
    return ("", _("New item %(code)s for %(unit)s, due %(due)s"),
            _("Item %(code)s (%(title)s) was assigned to you for %(unit)s. Answer due by %(due)s.\n\n"
              "%(staff_link)s"))


TEMPLATES = [messages.Template(kind, texts, values) for kind, texts in (
    ("filed", _filed), ("assigned", _assigned), ("transferred", _transferred), ("extended", _extended),
    ("responded", _responded), ("status", _status), ("new_item", _new_item))]
