"""Invitations to answer a survey once an item is answered: a one-time code linked to the item,
sent to the filer on the channels they chose, in their language, through the core's messages."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from feedback import messages
from feedback.extensions import db
from feedback.surveys.models import Survey, SurveyInvitation
from feedback.surveys.services import display_code, new_invitation

KIND = "survey_invitation"


def invite_after_answer(item) -> SurveyInvitation | None:
    """Invite the filer of an answered item to rate how it was handled, once per item and survey.

    Nothing happens for an anonymous item, one whose filer chose no channel, or when the survey
    of ``SURVEY_INVITATION_SURVEY`` is not open.
    """
    code = current_app.config.get("SURVEY_INVITATION_SURVEY") or ""
    contact = item.contact
    if not code or contact is None or item.unit_id is None:
        return None
    recipient = messages.Recipient.contact(phone=contact.phone, email=contact.email, sms=contact.notify_sms,
                                           mail=contact.notify_email, locale=contact.locale)
    if not recipient.addresses:
        return None
    survey = db.session.scalar(select(Survey).where(Survey.code == code))
    if survey is None or not survey.is_active:
        return None
    already = db.session.scalar(select(SurveyInvitation.id).where(SurveyInvitation.survey_id == survey.id,
                                                                  SurveyInvitation.item_id == item.id))
    if already is not None:
        return None
    days = int(current_app.config["SURVEY_INVITATION_DAYS"])
    invitation, secret = new_invitation(survey, item, days=days)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    messages.ask(messages.Request(
        KIND, recipient, about=invitation, owner=("item", item.id), key=f"survey-invitation:{invitation.id}",
        context={"code": display_code(secret), "link": f"{base}/i/{secret}", "site": base},
        reference=item.code))
    return invitation


def _values(invitation: SurveyInvitation) -> dict:
    return {"unit": invitation.unit.name, "item": invitation.item.code,
            "until": format_date(invitation.expires_at - dt.timedelta(seconds=1), "dd/MM/yyyy")}


def _texts():
    return (_("%(unit)s asks how satisfied you are with the answer to %(item)s (anonymous, once): %(link)s"),
            _("How satisfied are you with %(unit)s?"),
            _("Your item %(item)s was answered. Tell %(unit)s, anonymously and once, how satisfied you are with "
              "how it was handled; it takes two minutes:\n\n%(link)s\n\nOr type the code %(code)s at %(site)s/i. "
              "It is valid until %(until)s."))


TEMPLATES = [messages.Template(KIND, _texts, _values)]
