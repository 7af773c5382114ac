"""Reading the index: a frozen month from its snapshot, any other month live from the answers;
for the province, a unit (with its sub-units or not) or a procedure; rankings and trends."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from feedback.errors import Invalid, NotFound
from feedback.extensions import db
from feedback.plugins.reports.cache import remembered
from feedback.plugins.reports.index import ALL, Counts, Figure, rank
from feedback.plugins.reports.models import LateResponses, ReportFigure, ReportMonth, RunningFigure, RunningMonth
from feedback.plugins.reports.running import running_month
from feedback.plugins.reports.snapshot import targets
from feedback.procedures.models import Procedure
from feedback.surveys.models import SIPAS_CRITERIA, Survey, SurveySection, SurveyVersion, localised
from feedback.timeutil import local_today
from feedback.units.models import Unit

PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str | None, field_name: str = "period") -> dt.date | None:
    """"2026-10" → 1 October 2026; None when empty; Invalid (naming the field) otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    found = PERIOD.match(text)
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise Invalid(_("Give the month as YYYY-MM, e.g. 2026-10."), {field_name: _("Give the month as YYYY-MM.")})
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def find_survey(ref) -> Survey:
    from feedback.surveys.services import find_survey as find

    return find(ref)


def default_survey() -> Survey | None:
    code = current_app.config["REPORTS_SURVEY"]
    return db.session.scalar(select(Survey).where(Survey.code == code)) if code else None


def find_unit(code: str, field_name: str = "unit") -> Unit | None:
    if not code:
        return None
    unit = db.session.scalar(select(Unit).where(Unit.code == code.strip()))
    if unit is None:
        raise NotFound(_("No unit has this code."), {field_name: _("No unit has this code.")})
    return unit


def find_procedure(code: str) -> Procedure | None:
    if not code:
        return None
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == code.strip()))
    if procedure is None:
        raise NotFound(_("No procedure has this code."), {"procedure": _("No procedure has this code.")})
    return procedure


def frozen_months(survey: Survey) -> list[ReportMonth]:
    """The survey's frozen months, newest first."""
    return list(db.session.scalars(select(ReportMonth).where(ReportMonth.survey_id == survey.id)
                                   .order_by(ReportMonth.month.desc())))


def _late_sum():
    """The responses that came late to a frozen month, for every unit (a correlated subquery)."""
    return (select(func.coalesce(func.sum(LateResponses.responses), 0))
            .where(LateResponses.month_id == ReportMonth.id).correlate(ReportMonth).scalar_subquery())


def frozen_months_and_late(survey: Survey) -> tuple[list[ReportMonth], dict[int, int]]:
    """The survey's frozen months, newest first, and the responses that came late to each (by the
    month's id), in one query."""
    rows = db.session.execute(select(ReportMonth, _late_sum()).where(ReportMonth.survey_id == survey.id)
                              .order_by(ReportMonth.month.desc())).all()
    return [month for month, _late in rows], {month.id: int(late or 0) for month, late in rows}


def frozen_month(survey: Survey, month: dt.date) -> ReportMonth | None:
    return db.session.scalar(select(ReportMonth).where(ReportMonth.survey_id == survey.id, ReportMonth.month == month))


def latest_frozen(survey: Survey) -> ReportMonth | None:
    return db.session.scalar(select(ReportMonth).where(ReportMonth.survey_id == survey.id)
                             .order_by(ReportMonth.month.desc()).limit(1))


def criteria_labels(survey: Survey) -> dict[str, str]:
    """Criterion key → its name, in the order of the latest version's sections (the SIPAS names for
    the five criteria); keys of older versions follow. One query."""
    labels: dict[str, str] = {}
    rows = db.session.execute(
        select(SurveySection.criterion, SurveySection.title_vi, SurveySection.title_en).join(SurveyVersion, SurveyVersion.id == SurveySection.version_id)
        .where(SurveyVersion.survey_id == survey.id)
        .order_by(SurveyVersion.number.desc(), SurveySection.position, SurveySection.id))
    for criterion, title_vi, title_en in rows:
        if criterion not in labels:
            known = SIPAS_CRITERIA.get(criterion)
            labels[criterion] = str(known) if known is not None else localised(title_vi, title_en)
    return labels


@dataclass
class Results:
    """The index of one survey, month and place: overall (every rated answer) and per criterion."""

    survey: Survey
    month: dt.date
    unit: Unit | None
    subunits: bool
    procedure: Procedure | None
    frozen: ReportMonth | None
    overall: Figure
    criteria: list[tuple[str, str, Figure]]
    late_responses: int
    texts: int
    min_sample: int
    target: float | None
    # A month not frozen: when its running figures were counted (None: not counted yet).
    counted_at: dt.datetime | None = None
    extra: dict = field(default_factory=dict)

    @property
    def is_frozen(self) -> bool:
        return self.frozen is not None

    def as_dict(self) -> dict:
        return {
            "survey": {"id": self.survey.id, "code": self.survey.code},
            "period": self.month.strftime("%Y-%m"),
            "unit": {"code": self.unit.code, "name": self.unit.name} if self.unit else None,
            "subunits": self.subunits,
            "procedure": {"code": self.procedure.code, "name": self.procedure.name} if self.procedure else None,
            "frozen": self.is_frozen,
            "frozen_at": self.frozen.frozen_at if self.frozen else None,
            "counted_at": self.counted_at,
            "versions": self.frozen.versions if self.frozen else None,
            "min_sample": self.min_sample,
            "late_responses": self.late_responses,
            "free_text_answers": self.texts,
            "overall": self.overall.as_dict(),
            "criteria": [{**figure.as_dict(), "label": label} for _key, label, figure in self.criteria],
        }


def _sum_kept(model, month_id: int, *, scope: str, unit: Unit | None,
              procedure: Procedure | None) -> dict[str, Counts]:
    """The kept counts by criterion (a frozen month's ``ReportFigure`` or a running month's
    ``RunningFigure``), for a unit, a procedure, or every unit (summed in SQL)."""
    query = (select(model.criterion, func.sum(model.responses), func.sum(model.answers),
                    func.sum(model.satisfied), func.sum(model.score_sum), func.sum(model.texts))
             .where(model.month_id == month_id, model.scope == scope)
             .group_by(model.criterion))
    if unit is not None:
        query = query.where(model.unit_id == unit.id)
    if procedure is not None:
        query = query.where(model.procedure_id == procedure.id)
    return {criterion: Counts(int(responses), int(answers), int(satisfied), float(score_sum or 0), int(texts or 0))
            for criterion, responses, answers, satisfied, score_sum, texts in db.session.execute(query)}


def late_responses(month: ReportMonth, unit_ids: list[int] | None = None) -> int:
    query = select(func.coalesce(func.sum(LateResponses.responses), 0)).where(LateResponses.month_id == month.id)
    if unit_ids is not None:
        query = query.where(LateResponses.unit_id.in_(unit_ids or [-1]))
    return int(db.session.scalar(query) or 0)


def results(survey: Survey, month: dt.date | None = None, *, unit: Unit | None = None, subunits: bool = True,
            procedure: Procedure | None = None) -> Results:
    """The index of ``survey`` for ``month`` (by default the latest frozen month, else this month):
    from the snapshot when the month is frozen, live otherwise."""
    if month is None:
        latest = latest_frozen(survey)
        month = latest.month if latest else local_today().replace(day=1)
    found = db.session.execute(select(ReportMonth, _late_sum()).where(
        ReportMonth.survey_id == survey.id, ReportMonth.month == month)).first()
    frozen, late_to_all = (found[0], int(found[1] or 0)) if found else (None, 0)
    scope = "procedure" if procedure is not None else ("tree" if subunits and unit is not None else "unit")
    place = (scope, unit.id if unit else None, procedure.id if procedure else None, str(get_locale()))
    counted_at = None
    if frozen is not None:
        # A frozen month never changes: its counts, target and labels are read once per process.
        key = ("results", survey.id, frozen.id, frozen.frozen_at, *place, current_app.config["REPORTS_TARGET"])
        counts, target, labels = remembered(key, lambda: (
            _sum_kept(ReportFigure, frozen.id, scope=scope, unit=unit, procedure=procedure),
            _frozen_target(frozen, unit), criteria_labels(survey)))
        min_sample = frozen.min_sample
    else:
        # A month not frozen: its running figures as last counted (by tick), never the answers.
        running = running_month(survey, month)
        default, own = targets()
        target = own.get(unit.id, default) if unit is not None else default
        if running is not None:
            counted_at = running.counted_at
            key = ("running", survey.id, running.id, running.counted_at, *place)
            counts, labels = remembered(key, lambda: (
                _sum_kept(RunningFigure, running.id, scope=scope, unit=unit, procedure=procedure),
                criteria_labels(survey)))
        else:
            counts, labels = {}, criteria_labels(survey)
        min_sample = int(current_app.config["REPORTS_MIN_SAMPLE"])
    is_frozen = frozen is not None

    def figure(key: str) -> Figure:
        return Figure(key, counts.get(key, Counts()), target, min_sample, is_frozen)

    keys = list(labels) + sorted(key for key in counts if key not in labels and key != ALL)
    criteria = [(key, labels.get(key, key), figure(key)) for key in keys]
    late = late_to_all
    if frozen is not None and unit is not None:
        late = late_responses(frozen, _unit_ids(unit, scope == "tree"))
    return Results(survey=survey, month=month, unit=unit, subunits=subunits, procedure=procedure, frozen=frozen,
                   overall=figure(ALL), criteria=criteria, late_responses=late,
                   texts=counts.get(ALL, Counts()).texts, min_sample=min_sample, target=target,
                   counted_at=counted_at)


def _frozen_target(month: ReportMonth, unit: Unit | None) -> float:
    """The target kept with the frozen month (a unit's own when it had one)."""
    if unit is not None:
        kept = db.session.scalar(select(ReportFigure.target).where(
            ReportFigure.month_id == month.id, ReportFigure.unit_id == unit.id).limit(1))
        if kept is not None:
            return kept
    default, own = targets()
    return own.get(unit.id, default) if unit is not None else default


def _unit_ids(unit: Unit, with_subunits: bool) -> list[int]:
    if not with_subunits:
        return [unit.id]
    from feedback.plugins.reports.index import unit_tree

    tree = unit_tree()
    return list(db.session.scalars(select(tree.c.unit_id).where(tree.c.ancestor_id == unit.id)))


# --- the province's month: every unit side by side, and the ranking ------------------------


@dataclass
class UnitRow:
    unit: Unit
    overall: Figure
    criteria: dict[str, Figure]
    rank: int | None = None


def province_month(survey: Survey, month: ReportMonth) -> dict:
    """Every unit's own figures of a frozen month (overall and per criterion), ranked by the
    interval's lower bound among those with enough answers; and the province's totals."""
    rows = db.session.execute(
        select(ReportFigure.unit_id, ReportFigure.criterion, ReportFigure.responses, ReportFigure.answers,
               ReportFigure.satisfied, ReportFigure.score_sum, ReportFigure.texts, ReportFigure.target)
        .where(ReportFigure.month_id == month.id, ReportFigure.scope == "unit")).all()
    unit_ids = {row.unit_id for row in rows}
    units = {unit.id: unit for unit in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids or [-1])))}
    by_unit: dict[int, dict[str, Figure]] = {}
    totals: dict[str, Counts] = {}
    for row in rows:
        counts = Counts(row.responses, row.answers, row.satisfied, row.score_sum, row.texts)
        by_unit.setdefault(row.unit_id, {})[row.criterion] = Figure(row.criterion, counts, row.target,
                                                                    month.min_sample, True)
        totals[row.criterion] = totals.get(row.criterion, Counts()) + counts
    default, _own = targets()
    empty = Counts()
    unit_rows = {unit_id: UnitRow(units[unit_id], figures.get(ALL) or Figure(ALL, empty, None, month.min_sample, True),
                                  figures) for unit_id, figures in by_unit.items()}
    for number, unit_id, _figure in rank({unit_id: row.overall for unit_id, row in unit_rows.items()}):
        unit_rows[unit_id].rank = number
    ordered = sorted(unit_rows.values(), key=lambda row: (row.rank is None, row.rank or 0, row.unit.code))
    labels = criteria_labels(survey)
    province = {key: Figure(key, totals.get(key, empty), default, month.min_sample, True)
                for key in [ALL, *labels]}
    return {"month": month, "rows": ordered, "labels": labels, "province": province,
            "late_responses": late_responses(month), "texts": totals.get(ALL, empty).texts,
            "ranked": sum(1 for row in ordered if row.rank is not None)}


def unit_trend(survey: Survey, unit: Unit, subunits: bool, count: int = 12) -> list[tuple[dt.date, Figure]]:
    """The unit's overall figure in each of its last ``count`` frozen months, oldest first."""
    scope = "tree" if subunits else "unit"
    rows = db.session.execute(
        select(ReportMonth.month, ReportMonth.min_sample, ReportFigure.responses, ReportFigure.answers,
               ReportFigure.satisfied, ReportFigure.score_sum, ReportFigure.texts, ReportFigure.target)
        .join(ReportFigure, ReportFigure.month_id == ReportMonth.id)
        .where(ReportMonth.survey_id == survey.id, ReportFigure.unit_id == unit.id, ReportFigure.scope == scope,
               ReportFigure.criterion == ALL)
        .order_by(ReportMonth.month.desc()).limit(count)).all()
    return [(row.month, Figure(ALL, Counts(row.responses, row.answers, row.satisfied, row.score_sum, row.texts),
                               row.target, row.min_sample, True)) for row in reversed(rows)]


def unit_procedures(month: ReportMonth, unit: Unit) -> list[tuple[Procedure, Figure]]:
    """The unit's figures per procedure in a frozen month (overall), most answered first."""
    rows = db.session.execute(
        select(Procedure, ReportFigure.responses, ReportFigure.answers, ReportFigure.satisfied,
               ReportFigure.score_sum, ReportFigure.target)
        .join(Procedure, Procedure.id == ReportFigure.procedure_id)
        .where(ReportFigure.month_id == month.id, ReportFigure.scope == "procedure", ReportFigure.unit_id == unit.id,
               ReportFigure.criterion == ALL)
        .order_by(ReportFigure.answers.desc(), Procedure.code)).all()
    return [(row[0], Figure(ALL, Counts(row.responses, row.answers, row.satisfied, row.score_sum), row.target,
                            month.min_sample, True)) for row in rows]


def overall_label() -> str:
    return _("All criteria")


