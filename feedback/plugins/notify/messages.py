"""The texts of messages, in the recipient's language: a short SMS, an e-mail subject and body."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _

# kind -> who it is for; the texts are below, in `compose`.
FILER_KINDS = ("filed", "assigned", "transferred", "extended", "responded", "status", "apology")
STAFF_KINDS = ("new_item", "reminder", "escalation")


def link(item) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/t/{item.code}"


def compose(kind: str, item, locale: str, **extra) -> dict:
    """{"sms": ..., "subject": ..., "body": ...} for ``kind`` about ``item``, in ``locale``."""
    with force_locale(locale):
        due = format_datetime(item.due_at, "dd/MM/yyyy HH:mm") if item.due_at else ""
        values = {"code": item.code, "link": link(item), "due": due,
                  "unit": item.unit.name if item.unit else "", "title": item.title, **extra}
        sms, subject, body = _TEXTS[kind]()
        return {"sms": sms % values, "subject": subject % values, "body": body % values}


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


def _apology():
    return (_("We apologise: %(code)s is late. New date: %(date)s. %(link)s"),
            _("%(code)s: letter of apology"),
            _("%(unit)s apologises for the delay in answering your item %(code)s. The new appointment is "
              "%(date)s. The signed letter is attached.\n\n%(link)s"))


def _new_item():
    return ("", _("New item %(code)s for %(unit)s, due %(due)s"),
            _("Item %(code)s (%(title)s) was assigned to you for %(unit)s. Answer due by %(due)s.\n\n"
              "%(staff_link)s"))


def _reminder():
    return ("", _("Reminder: %(code)s is due %(due)s"),
            _("Item %(code)s (%(title)s) of %(unit)s must be answered by %(due)s.\n\n%(staff_link)s"))


def _escalation():
    return ("", _("Overdue: %(code)s of %(unit)s"),
            _("Item %(code)s (%(title)s) of %(unit)s was due %(due)s and is still not answered. As head of the "
              "parent unit, please see that it is answered.\n\n%(staff_link)s"))


_TEXTS = {"filed": _filed, "assigned": _assigned, "transferred": _transferred, "extended": _extended,
          "responded": _responded, "status": _status, "apology": _apology, "new_item": _new_item,
          "reminder": _reminder, "escalation": _escalation}
