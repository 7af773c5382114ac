"""What staff read of the answers: downloads (CSV, XLSX through feedback.exports) and the list of
free-text answers. Staff see their units' answers (administrators all). Nothing about the sender
is shown (not the keyed hash, not the item an invitation came from), and free text has contact
data and identity numbers masked."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from feedback import exports as core_exports
from feedback.errors import Invalid, NotFound
from feedback.extensions import db
from feedback.pagination import Keyset
from feedback.redaction import mask
from feedback.surveys.models import RESPONSE_CHANNELS, Survey, SurveyAnswer, SurveyResponse, SurveyVersion
from feedback.surveys.types import question_types
from feedback.units.models import Unit

MONTH = re.compile(r"^(\d{4})-(\d{2})$")

FREE_TEXTS = Keyset(salt="survey-free-texts", sort="recent", sort_value=SurveyResponse.submitted_at,
                    id_column=SurveyAnswer.id, descending=True, key="answered_at",
                    missing=dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))


def units_for(user, units: list[Unit]) -> list[Unit]:
    """The units among ``units`` whose answers ``user`` reads (their unit and its sub-units)."""
    from feedback.items.services import units_in_scope

    scope = units_in_scope(user)
    return units if scope is None else [unit for unit in units if unit.id in scope]


def _scope_filter(query, user, unit_code: str, column):
    from feedback.items.services import units_in_scope

    scope = units_in_scope(user)
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None or (scope is not None and unit.id not in scope):
            raise NotFound(_("No unit of yours has this code."))
        return query.where(column == unit.id)
    if scope is not None:
        query = query.where(column.in_(scope or {-1}))
    return query


def parse_month(text: str) -> dt.date | None:
    if not text:
        return None
    found = MONTH.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise Invalid(_("Give the month as YYYY-MM, e.g. 2027-03."), {"month": _("Give the month as YYYY-MM.")})
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def _version(survey: Survey, number: str) -> SurveyVersion:
    if number:
        version = next((v for v in survey.versions if str(v.number) == number), None)
        if version is None:
            raise NotFound(_("This survey has no such version."))
        return version
    return survey.published or survey.latest


def answers_table(survey: Survey, user, *, unit: str = "", month: str = "", version: str = "") -> core_exports.Rows:
    """One row per response to a version of ``survey`` (by default the published one), one column per
    question; staff only, without personal data."""
    chosen = _version(survey, version)
    first = parse_month(month)
    questions = chosen.ordered_questions()
    types = question_types()
    query = select(SurveyResponse).where(SurveyResponse.version_id == chosen.id)
    query = _scope_filter(query, user, unit, SurveyResponse.unit_id)
    if first is not None:
        query = query.where(SurveyResponse.month == first)
    columns = [
        core_exports.Column("response", _l("Response"), "int"),
        core_exports.Column("submitted_at", _l("Answered at"), "datetime"),
        core_exports.Column("month", _l("Month"), "text"),
        core_exports.Column("unit", _l("Unit code"), "text"),
        core_exports.Column("unit_name", _l("Unit"), "text"),
        core_exports.Column("procedure", _l("Procedure code"), "text"),
        core_exports.Column("channel", _l("Channel"), "text"),
        core_exports.Column("version", _l("Version"), "int"),
    ]
    for question in questions:
        qtype = types.get(question.type)
        single = qtype is not None and qtype.has_options and not qtype.multiple
        columns.append(core_exports.Column(f"q_{question.name}", f"{question.position}. {question.name}",
                                           "int" if single else "text"))

    def rows():
        last = 0
        while True:
            page = db.session.scalars(query.where(SurveyResponse.id > last).order_by(SurveyResponse.id).limit(500)
                                      .execution_options(populate_existing=True)).all()
            if not page:
                return
            answers: dict[int, list[SurveyAnswer]] = {}
            for answer in db.session.scalars(select(SurveyAnswer).where(
                    SurveyAnswer.response_id.in_([response.id for response in page])).order_by(SurveyAnswer.id)):
                answers.setdefault(answer.response_id, []).append(answer)
            for response in page:
                yield _row(response, answers.get(response.id, []), questions, types)
            last = page[-1].id

    title = f"{survey.code} v{chosen.number}"
    return core_exports.Rows(columns, rows(), title=title)


def _row(response: SurveyResponse, answers: list[SurveyAnswer], questions, types) -> dict:
    row = {"response": response.id, "submitted_at": response.submitted_at, "month": response.month.strftime("%Y-%m"),
           "unit": response.unit.code, "unit_name": response.unit.name,
           "procedure": response.procedure.code if response.procedure else "",
           "channel": str(RESPONSE_CHANNELS.get(response.channel, response.channel)),
           "version": response.version.number}
    by_question: dict[int, list[SurveyAnswer]] = {}
    for answer in answers:
        by_question.setdefault(answer.question_id, []).append(answer)
    for question in questions:
        given = by_question.get(question.id, [])
        qtype = types.get(question.type)
        if not given:
            value = None
        elif qtype is not None and qtype.has_options and not qtype.multiple:
            value = given[0].value
        elif qtype is not None and qtype.multiple:
            value = "; ".join(str(answer.value) for answer in given)
        else:
            value = mask(given[0].text or "") if given[0].text is not None else given[0].value
        row[f"q_{question.name}"] = value
    return row


def download(fmt: str, table: core_exports.Rows):
    name = table.title.replace(" ", "-") + "-answers"
    return core_exports.download(fmt, name, table)


def free_texts(survey: Survey, user, *, unit: str = "", cursor: str | None = None, limit: int = 50):
    """The latest free-text answers of ``survey`` in the user's units, newest first, a page at a time."""
    query = (select(SurveyAnswer).join(SurveyResponse, SurveyAnswer.response_id == SurveyResponse.id)
             .where(SurveyAnswer.survey_id == survey.id, SurveyAnswer.text.is_not(None))
             .options(contains_eager(SurveyAnswer.response)))
    query = _scope_filter(query, user, unit, SurveyAnswer.unit_id)
    rows, next_cursor = FREE_TEXTS.page(query, cursor, limit)
    return [{"answer": row, "text": mask(row.text), "question": row.question, "unit": row.response.unit,
             "submitted_at": row.response.submitted_at} for row in rows], next_cursor

