"""The accountability plugin's messages: reminders and escalations to staff, letters of apology to
the filer. Registered as message templates; notify (or any sending plugin) carries them out."""

from __future__ import annotations

from flask_babel import gettext as _

from feedback.items.messages import values
from feedback.messages import Template


def _apology():
    return (_("We apologise: %(code)s is late. New date: %(date)s. %(link)s"),
            _("%(code)s: letter of apology"),
            _("%(unit)s apologises for the delay in answering your item %(code)s. The new appointment is "
              "%(date)s. The signed letter is attached.\n\n%(link)s"))


def _reminder():
    return ("", _("Reminder: %(code)s is due %(due)s"),
            _("Item %(code)s (%(title)s) of %(unit)s must be answered by %(due)s.\n\n%(staff_link)s"))


def _escalation():
    return ("", _("Overdue: %(code)s of %(unit)s"),
            _("Item %(code)s (%(title)s) of %(unit)s was due %(due)s and is still not answered. As head of the "
              "parent unit, please see that it is answered.\n\n%(staff_link)s"))


TEMPLATES = [Template("apology", _apology, values), Template("reminder", _reminder, values),
             Template("escalation", _escalation, values)]
