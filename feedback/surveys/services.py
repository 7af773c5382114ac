"""The rules of answering surveys: which surveys are open, what a response must hold, display
conditions, invitations, and storing a response. The web pages, the kiosk and the API all call
``submit_response``; it flushes and fires ``feedback_survey_answered``; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from feedback.errors import Conflict, Invalid, NotFound
from feedback.extensions import db
from feedback.pluginmanager import fire_event
from feedback.procedures.models import Procedure
from feedback.surveys.models import RESPONSE_CHANNELS, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion, \
    SurveyResponse, SurveySection, SurveyVersion, month_of
from feedback.surveys.types import AnswerRefused, question_types
from feedback.timeutil import utcnow
from feedback.units.models import Unit

# Invitation codes: Crockford's base 32 (no I, L, O, U), 10 characters (50 bits), shown in two halves.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
CODE_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
CODE_INPUT_MAX = 40
# How far in the past staff may date answers they enter (paper forms, an offline kiosk).
BACKDATE_DAYS_MAX = 92


# --- finding things -------------------------------------------------------------------------


def find_survey(ref) -> Survey:
    """A survey by id (an int or digits) or code; NotFound otherwise."""
    ref = str(ref or "").strip()
    survey = None
    if ref.isdigit() and len(ref) < 10:
        survey = db.session.get(Survey, int(ref))
    if survey is None and ref:
        survey = db.session.scalar(select(Survey).where(Survey.code == ref.lower()))
    if survey is None:
        raise NotFound(_("No survey has this name."))
    return survey


def open_survey(ref) -> Survey:
    """A survey that people can answer now: published and not archived; NotFound otherwise."""
    survey = find_survey(ref)
    if not survey.is_active:
        raise NotFound(_("This survey is closed."))
    return survey


def active_surveys() -> list[Survey]:
    """The surveys people can answer now, by code."""
    surveys = db.session.scalars(select(Survey).where(Survey.archived_at.is_(None)).order_by(Survey.code)
                                 .options(selectinload(Survey.versions)))
    return [survey for survey in surveys if survey.published is not None]


def load_version(version_id: int) -> SurveyVersion | None:
    """A version with its sections, questions, options and conditions loaded in a few queries."""
    return db.session.scalar(
        select(SurveyVersion).where(SurveyVersion.id == version_id).options(
            selectinload(SurveyVersion.sections).selectinload(SurveySection.questions).options(
                selectinload(SurveyQuestion.options), selectinload(SurveyQuestion.conditions))))


def survey_units(survey: Survey) -> list[Unit]:
    """The current units that run ``survey`` (its unit and every sub-unit; every unit when it has none)."""
    from feedback.units.services import list_units

    units = list_units(current_only=True)
    if survey.unit_id is None:
        return units
    return [unit for unit in units if unit.id == survey.unit_id
            or any(parent.id == survey.unit_id for parent in unit.ancestors())]


def unit_for_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code)) if code else None


def free_code(wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``... whichever no survey has yet."""
    taken = set(db.session.scalars(select(Survey.code).where(Survey.code.like(f"{wanted}%"))))
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}-{number}" in taken:
        number += 1
    return f"{wanted}-{number}"


def unit_for(survey: Survey, code: str, field_name: str = "unit") -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == (code or "").strip())) if code else None
    if unit is None or not unit.is_current:
        raise Invalid(_("Choose a unit from the list."), {field_name: _("Choose a unit from the list.")})
    if survey.unit_id is not None and unit.id != survey.unit_id and all(
            parent.id != survey.unit_id for parent in unit.ancestors()):
        raise Invalid(_("This survey is not run by this unit."), {field_name: _("This survey is not run by this unit.")})
    return unit


def procedure_for(code: str) -> Procedure | None:
    if not code:
        return None
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == code.strip()))
    if procedure is None:
        raise Invalid(_("Choose a procedure from the catalogue."), {"procedure": _("Choose a procedure from the catalogue.")})
    return procedure


def sender_hash(kind: str, value: str) -> str:
    """HMAC-SHA256 of the sender, keyed with the secret key: ``value`` is a network address, or
    ``account:<id>`` for the API with a token; ``kind`` keeps these hashes apart from any other."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"survey-sender:{kind}:{value}".encode(), hashlib.sha256).hexdigest()


# --- display conditions ---------------------------------------------------------------------


def shown(question: SurveyQuestion, chosen: Mapping[int, set[int]]) -> bool:
    """Whether ``question`` is shown, given the options chosen so far (question id → values)."""
    return all(condition.value in chosen.get(condition.depends_on_id, ()) for condition in question.conditions)


def condition_text(question: SurveyQuestion) -> str:
    """The display condition in words: “Answer only if you answered “Yes” to “Did you …””."""
    parts = []
    for condition in question.conditions:
        option = condition.depends_on.option(condition.value)
        parts.append(_("you answered “%(option)s” to question %(number)s",
                       option=option.label if option else condition.value, number=condition.depends_on.position))
    return _("Answer only if %(conditions)s.", conditions=_(" and ").join(parts)) if parts else ""


# --- answering ------------------------------------------------------------------------------


@dataclass
class Answering:
    """What someone sends; surfaces fill it from a form or from JSON.

    ``answers``: question id → the form's list of values (``source`` "form") or the JSON value
    (``source`` "json"). ``version``: the id of the version the form showed (None: the published
    one). ``sender``: the network address, or ``account:<id>`` for the API with a token.
    ``submitted_at``: for staff entering answers given earlier (paper forms); None: now.
    """

    survey: Survey
    unit: str = ""
    procedure: str = ""
    item: str = ""
    code: str = ""
    version: int | None = None
    answers: Mapping = field(default_factory=dict)
    source: str = "form"
    channel: str = "link"
    locale: str = "vi"
    sender: str = ""
    submitted_at: dt.datetime | None = None


def answer_field(question_id) -> str:
    """The field name the service uses for an answer's refusal."""
    return f"answers.{question_id}"


def parse_answers(version: SurveyVersion, raw: Mapping, source: str) -> tuple[dict[int, object], dict[str, str]]:
    """Read every answer, check display conditions and required answers; (answers, errors)."""
    types = question_types()
    questions = version.ordered_questions()
    by_id = {question.id: question for question in questions}
    errors: dict[str, str] = {}
    for key in raw:
        if not str(key).isdigit() or int(key) not in by_id:
            errors[answer_field(key)] = _("This question is not part of version %(number)s of this survey.",
                                          number=version.number)
    given = {int(key): value for key, value in raw.items() if str(key).isdigit() and int(key) in by_id}
    answers: dict[int, object] = {}
    chosen: dict[int, set[int]] = {}
    for question in questions:
        qtype = types.get(question.type)
        if qtype is None:
            errors[answer_field(question.id)] = _("This question cannot be answered now.")
            continue
        try:
            if source == "json":
                answer = qtype.parse_json(question, given.get(question.id))
            else:
                answer = qtype.parse_form(question, [str(value) for value in given.get(question.id) or []])
        except AnswerRefused as refusal:
            errors[answer_field(question.id)] = str(refusal)
            continue
        if not shown(question, chosen):
            if answer is not None:
                errors[answer_field(question.id)] = _(
                    "Leave this question empty: it is only for people who gave another answer above. %(condition)s",
                    condition=condition_text(question))
            continue
        if answer is None:
            if question.required:
                errors[answer_field(question.id)] = _("Please answer this question.")
            continue
        answers[question.id] = answer
        chosen[question.id] = qtype.chosen(answer)
    return answers, errors


def submit_response(answering: Answering) -> SurveyResponse:
    """Check and store a response; Invalid (fields named) or Conflict (a used invitation).

    Nothing is stored unless everything is right.
    """
    survey = answering.survey
    if not survey.is_active:
        raise NotFound(_("This survey is closed."))
    published = survey.published
    if answering.version is not None and answering.version != published.id:
        raise Conflict(_("This survey was updated while you answered it: please answer the new version."),
                       {"version": _("The survey was updated.")})
    version = load_version(published.id)
    if answering.channel not in RESPONSE_CHANNELS:
        raise Invalid(_("Unknown channel."), {"channel": _("Unknown channel.")})

    errors: dict[str, str] = {}
    invitation = unit = procedure = item = None
    channel = answering.channel
    if answering.code.strip():
        try:
            invitation = _invitation(survey, answering.code)
        except (Invalid, Conflict) as refusal:
            if isinstance(refusal, Conflict):
                raise
            errors.update(refusal.fields)
        else:
            unit, item, channel = invitation.unit, invitation.item, "invitation"
    if invitation is None and "code" not in errors:
        try:
            unit = unit_for(survey, answering.unit)
        except Invalid as refusal:
            errors.update(refusal.fields)
        if answering.item.strip():
            item = _item(answering.item, unit, errors)
    try:
        procedure = procedure_for(answering.procedure)
    except Invalid as refusal:
        errors.update(refusal.fields)

    now = utcnow()
    submitted_at = answering.submitted_at or now
    if answering.submitted_at is not None:
        if submitted_at.tzinfo is None:
            errors["submitted_at"] = _("Give the date and time with its time zone.")
        elif submitted_at > now + dt.timedelta(minutes=5):
            errors["submitted_at"] = _("The date cannot be in the future.")
        elif submitted_at < now - dt.timedelta(days=BACKDATE_DAYS_MAX):
            errors["submitted_at"] = _("The date is more than %(days)s days ago.", days=BACKDATE_DAYS_MAX)

    answers, answer_errors = parse_answers(version, answering.answers, answering.source)
    errors.update(answer_errors)
    if not answers and not answer_errors:
        errors["answers"] = _("Answer at least one question.")
    if errors:
        raise Invalid(_("Some answers are missing or cannot be taken; see the questions marked."), errors)

    if invitation is not None:
        _use(invitation, now)
    month = month_of(submitted_at)
    response = SurveyResponse(survey=survey, version_id=version.id, unit=unit, procedure=procedure, item=item,
                              invitation=invitation, channel=channel, locale=answering.locale[:8] or "vi",
                              submitted_at=submitted_at, month=month, recorded_at=now,
                              sender_hash=sender_hash("sender", answering.sender) if answering.sender else "")
    types = question_types()
    for question in version.ordered_questions():
        if question.id not in answers:
            continue
        for row in types[question.type].rows(question, answers[question.id]):
            response.answers.append(SurveyAnswer(question_id=question.id, survey_id=survey.id, unit_id=unit.id,
                                                 procedure_id=procedure.id if procedure else None, month=month,
                                                 value=row.value, text=row.text, satisfied=row.satisfied))
    db.session.add(response)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("This invitation was already used to answer."),
                       {"code": _("This invitation was already used to answer.")}) from None
    fire_event("feedback_survey_answered", response=response)
    return response


def _item(code: str, unit: Unit | None, errors: dict):
    from feedback.errors import ServiceError
    from feedback.items.services import find_item

    try:
        item = find_item(code)
    except ServiceError:
        errors["item"] = _("No item has this tracking code.")
        return None
    if unit is not None and item.unit_id != unit.id:
        errors["item"] = _("This item belongs to another unit.")
    return item


# --- invitations ----------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    return "".join(char for char in (code or "").upper().translate(CODE_READ_AS) if char in CODE_ALPHABET)


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def display_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def new_invitation(survey: Survey, item, days: int) -> tuple[SurveyInvitation, str]:
    """An invitation to answer ``survey`` about ``item``'s unit; returns it with its code (shown once)."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = utcnow()
    invitation = SurveyInvitation(survey=survey, item=item, unit_id=item.unit_id, code_hash=code_hash(code),
                                  created_at=now, expires_at=now + dt.timedelta(days=days))
    db.session.add(invitation)
    db.session.flush()
    return invitation, code


def find_invitation(code: str) -> SurveyInvitation | None:
    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH or len(code) > CODE_INPUT_MAX:
        return None
    return db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.code_hash == code_hash(normalised)))


def _invitation(survey: Survey, code: str) -> SurveyInvitation:
    invitation = find_invitation(code)
    if invitation is None or invitation.survey_id != survey.id:
        raise Invalid(_("This invitation code is not valid."), {"code": _("This invitation code is not valid.")})
    if invitation.used_at is not None:
        raise Conflict(_("This invitation was already used to answer."),
                       {"code": _("This invitation was already used to answer.")})
    if invitation.expires_at < utcnow():
        raise Invalid(_("This invitation has expired."), {"code": _("This invitation has expired.")})
    return invitation


def _use(invitation: SurveyInvitation, now: dt.datetime) -> None:
    """Mark the invitation used, once: a concurrent second answer finds it used and is refused."""
    result = db.session.execute(update(SurveyInvitation).where(SurveyInvitation.id == invitation.id,
                                                               SurveyInvitation.used_at.is_(None))
                                .values(used_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(_("This invitation was already used to answer."),
                       {"code": _("This invitation was already used to answer.")})
    db.session.refresh(invitation, ["used_at"])


def invitation_state(code: str, survey: Survey | None = None) -> tuple[SurveyInvitation | None, str | None]:
    """The invitation of a code and why it cannot be used (a sentence), or None when it can."""
    try:
        invitation = find_invitation(code)
        if invitation is None:
            return None, _("This invitation code is not valid.")
        return _invitation(survey or invitation.survey, code), None
    except (Invalid, Conflict) as refusal:
        return find_invitation(code), str(refusal.message)

