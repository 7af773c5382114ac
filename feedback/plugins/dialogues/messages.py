"""The dialogues' messages, asked for through ``feedback.messages``: to those who registered (their
registration with the calendar event, and the updated or cancelled event when the session moves or
is cancelled), and to staff (reminders and escalations of commitments and minutes)."""

from __future__ import annotations

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _

from feedback import messages
from feedback.messages import Template


def _page(session) -> str:
    path = current_app.url_map.bind("", script_name="/").build("dialogues.session", {"session_id": session.id})
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def _staff_path(session) -> str:
    return current_app.url_map.bind("", script_name="/").build("staff_dialogues.manage", {"session_id": session.id})


def session_values(session) -> dict:
    """The places of a message about a session, in the recipient's language."""
    return {"unit": session.unit.name, "when": format_datetime(session.starts_at, "HH:mm dd/MM/yyyy"),
            "place": "; ".join(part for part in (session.place, session.online_link) if part),
            "link": _page(session), "reason": session.cancel_reason}


def commitment_values(commitment) -> dict:
    return {**session_values(commitment.session), "text": commitment.public_text, "responsible": commitment.unit.name,
            "due": format_datetime(commitment.due_at, "dd/MM/yyyy HH:mm")}


def _registered():
    return (_("Registered for the dialogue of %(unit)s at %(when)s, %(place)s. %(link)s"),
            _("Dialogue of %(unit)s: you are registered"),
            _("You are registered for the dialogue session of %(unit)s at %(when)s, %(place)s.\n\nThe calendar "
              "event is attached; if the session moves or is cancelled, you will receive its update.\n\n%(link)s"))


def _moved():
    return (_("The dialogue of %(unit)s moved to %(when)s, %(place)s. %(link)s"),
            _("Dialogue of %(unit)s moved to %(when)s"),
            _("The dialogue session of %(unit)s you registered for now takes place at %(when)s, %(place)s.\n\n"
              "The updated calendar event is attached.\n\n%(link)s"))


def _cancelled():
    return (_("The dialogue of %(unit)s at %(when)s is cancelled: %(reason)s"),
            _("Dialogue of %(unit)s cancelled"),
            _("The dialogue session of %(unit)s at %(when)s you registered for is cancelled: %(reason)s\n\n"
              "The attached calendar event removes it from your calendar.\n\n%(link)s"))


def _commitment_reminder():
    return ("", _("Reminder: a commitment of %(responsible)s is due %(due)s"),
            _("At the dialogue session of %(unit)s (%(when)s), %(responsible)s committed to: %(text)s\n\nIt must be "
              "done by %(due)s. Record what was done on the session's page.\n\n%(staff_link)s"))


def _commitment_escalated():
    return ("", _("Overdue: a commitment of %(responsible)s"),
            _("At the dialogue session of %(unit)s (%(when)s), %(responsible)s committed to: %(text)s\n\nIt was due "
              "%(due)s and is not done. As head of the parent unit, please see that it is done.\n\n%(staff_link)s"))


def _minutes_reminder():
    return ("", _("Reminder: the minutes of the dialogue of %(unit)s are due %(due)s"),
            _("The minutes of the dialogue session of %(unit)s (%(when)s) must be approved and published by "
              "%(due)s.\n\n%(staff_link)s"))


def _minutes_escalated():
    return ("", _("Overdue: the minutes of the dialogue of %(unit)s"),
            _("The minutes of the dialogue session of %(unit)s (%(when)s) were due %(due)s and are not published. "
              "As head of the parent unit, please see that they are.\n\n%(staff_link)s"))


TEMPLATES = [
    Template("dialogue_registered", _registered, session_values),
    Template("dialogue_moved", _moved, session_values),
    Template("dialogue_cancelled", _cancelled, session_values),
    Template("dialogue_commitment_reminder", _commitment_reminder, commitment_values),
    Template("dialogue_commitment_escalated", _commitment_escalated, commitment_values),
    Template("dialogue_minutes_reminder", _minutes_reminder, session_values),
    Template("dialogue_minutes_escalated", _minutes_escalated, session_values),
]


def _to_registrant(registration, kind: str, key: str) -> messages.Request:
    from feedback.plugins.dialogues.ics import calendar_file

    session = registration.session
    return messages.Request(
        kind, messages.Recipient.contact(phone=registration.phone, email=registration.email,
                                         locale=registration.locale),
        about=session, owner=("dialogue", session.id), key=key, reference=f"#{session.id}",
        link=_staff_path(session), attachment=calendar_file(session), attachment_name=f"doi-thoai-{session.id}.ics")


def tell_registered(registration) -> None:
    messages.ask(_to_registrant(registration, "dialogue_registered", f"dialogue-registration:{registration.id}"))


def tell_registrants(session, change: str) -> int:
    """The updated (moved) or cancelled calendar event to everyone who registered, once per change."""
    kind = {"moved": "dialogue_moved", "cancelled": "dialogue_cancelled"}[change]
    requests = [_to_registrant(registration, kind, f"dialogue:{session.id}:{change}:{session.sequence}:"
                                                   f"{registration.id}")
                for registration in session.registrations]
    return len(messages.ask(*requests)) if requests else 0


def to_staff(user, about, kind: str, session, key: str, due) -> messages.Request:
    link = _staff_path(session)
    return messages.Request(kind, messages.Recipient.user(user), about=about, owner=("dialogue", session.id), key=key,
                            context={"staff_link": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + link,
                                     "due": format_datetime(due, "dd/MM/yyyy HH:mm")},
                            reference=f"#{session.id}", link=link)
