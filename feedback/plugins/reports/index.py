"""The satisfaction index: counts in SQL, and the arithmetic that turns them into figures.

For a criterion (or every rated answer, ``ALL``), of a unit (alone or with its sub-units, or about
one procedure), over a month:

- ``answers``: rated answers (answers to questions counted in the index: ``satisfied`` not NULL);
- ``satisfied``: those whose option counts as satisfied (e.g. the top two levels of a 5-level scale);
- ``satisfaction_rate`` = satisfied / answers;
- ``ci_low``/``ci_high``: the 95% Wilson score interval of that rate, so that a unit with 6 answers
  is not ranked above one with 600 (rankings go by ``ci_low``);
- ``mean``: the mean score on a 1-5 scale (a 3-level or 1-10 answer is put on the same scale:
  1 + 4 * (value - lowest) / (highest - lowest) of its question's options);
- ``responses``: people who gave at least one such answer. The minimum sample counts people, not
  answers: ten people answering four questions each are ten, not forty. (The interval counts
  answers, as the rate does; answers of one person are not independent, so it is narrower than a
  survey statistician's would be; the minimum sample keeps small units out of the ranking.)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import Float, Integer, case, cast, func, literal, select, union_all

from feedback.extensions import db
from feedback.plugins.reports.models import ALL
from feedback.surveys.models import SurveyAnswer, SurveyOption, SurveyQuestion, SurveySection
from feedback.units.models import Unit

# The 97.5th percentile of the standard normal distribution: a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson(satisfied: int, answers: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of ``satisfied`` successes in ``answers`` trials; None without trials.

    centre = (p + z²/2n) / (1 + z²/n); half-width = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n).
    """
    if answers <= 0:
        return None
    if not 0 <= satisfied <= answers:
        raise ValueError("satisfied must lie between 0 and answers")
    n, p, z2 = answers, satisfied / answers, z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Counts:
    """What is counted for one criterion of one unit (or the province) over one period."""

    responses: int = 0
    answers: int = 0
    satisfied: int = 0
    score_sum: float = 0.0
    texts: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.responses + other.responses, self.answers + other.answers,
                      self.satisfied + other.satisfied, self.score_sum + other.score_sum, self.texts + other.texts)


@dataclass(frozen=True)
class Figure:
    """The published figures of one criterion: counts, rate, interval, mean, target and gap."""

    criterion: str
    counts: Counts
    target: float | None
    min_sample: int
    frozen: bool

    @property
    def answers(self) -> int:
        return self.counts.answers

    @property
    def satisfied(self) -> int:
        return self.counts.satisfied

    @property
    def responses(self) -> int:
        return self.counts.responses

    @property
    def satisfaction_rate(self) -> float | None:
        return self.counts.satisfied / self.counts.answers if self.counts.answers else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.counts.satisfied, self.counts.answers)

    @property
    def ci_low(self) -> float | None:
        return self.interval[0] if self.interval else None

    @property
    def ci_high(self) -> float | None:
        return self.interval[1] if self.interval else None

    @property
    def mean(self) -> float | None:
        return self.counts.score_sum / self.counts.answers if self.counts.answers else None

    @property
    def enough(self) -> bool:
        """Enough people answered for the figure to be published and ranked."""
        return self.counts.responses >= self.min_sample and self.counts.answers > 0

    @property
    def gap(self) -> float | None:
        """The rate minus the target (negative: below it)."""
        if self.satisfaction_rate is None or self.target is None:
            return None
        return self.satisfaction_rate - self.target

    @property
    def meets_target(self) -> bool | None:
        return None if self.gap is None else self.gap >= -1e-12

    def as_dict(self) -> dict:
        """The API's and the downloads' figures (rates from 0 to 1, rounded to 4 places)."""
        return {"criterion": self.criterion, "responses": self.responses, "answers": self.answers,
                "satisfied": self.satisfied, "satisfaction_rate": _round(self.satisfaction_rate),
                "ci_low": _round(self.ci_low), "ci_high": _round(self.ci_high), "mean": _round(self.mean, 2),
                "target": self.target, "gap": _round(self.gap), "enough_answers": self.enough, "frozen": self.frozen}


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def rank(figures: dict, min_sample: int | None = None) -> list[tuple[int, object, Figure]]:
    """Rank ``{key: Figure}`` by the interval's lower bound (then the rate, the answers); only the
    figures with enough answers are ranked. Returns (rank, key, figure), best first."""
    ranked = sorted(((key, figure) for key, figure in figures.items() if figure.enough),
                    key=lambda pair: (-pair[1].ci_low, -pair[1].satisfaction_rate, -pair[1].answers, str(pair[0])))
    return [(number, key, figure) for number, (key, figure) in enumerate(ranked, 1)]


# --- counting in SQL ------------------------------------------------------------------------


def _scale_bounds():
    """Per question: the lowest and highest option values (to put every scale on 1-5)."""
    return (select(SurveyOption.question_id.label("question_id"), func.min(SurveyOption.value).label("low"),
                   func.max(SurveyOption.value).label("high"))
            .group_by(SurveyOption.question_id).subquery("bounds"))


def _score(bounds):
    span = bounds.c.high - bounds.c.low
    return case((span > 0, 1.0 + 4.0 * cast(SurveyAnswer.value - bounds.c.low, Float) / cast(span, Float)),
                else_=literal(5.0))


def rated_counts(survey_id: int, first: dt.date, last: dt.date, *, by_procedure: bool = False):
    """A SELECT of the rated answers' counts per unit (and procedure) and criterion, plus one row per
    unit with criterion ALL, over the months from ``first`` to ``last`` (first days, included).

    Columns: unit_id, procedure_id (NULL unless ``by_procedure``), criterion, responses, answers,
    satisfied, score_sum. Read from survey_answers with the questions' sections, never row by row.
    """
    bounds = _scale_bounds()
    satisfied = func.sum(case((SurveyAnswer.satisfied.is_(True), 1), else_=0))
    procedure = SurveyAnswer.procedure_id if by_procedure else literal(None, Integer)

    def part(criterion):
        keys = [SurveyAnswer.unit_id] + ([SurveyAnswer.procedure_id] if by_procedure else [])
        criterion_column = SurveySection.criterion if criterion is None else literal(ALL)
        query = (select(SurveyAnswer.unit_id.label("unit_id"), procedure.label("procedure_id"),
                        criterion_column.label("criterion"),
                        func.count(func.distinct(SurveyAnswer.response_id)).label("responses"),
                        func.count().label("answers"), satisfied.label("satisfied"),
                        func.sum(_score(bounds)).label("score_sum"))
                 .select_from(SurveyAnswer)
                 .join(bounds, bounds.c.question_id == SurveyAnswer.question_id)
                 .where(SurveyAnswer.survey_id == survey_id, SurveyAnswer.month >= first, SurveyAnswer.month <= last,
                        SurveyAnswer.satisfied.is_not(None)))
        if by_procedure:
            query = query.where(SurveyAnswer.procedure_id.is_not(None))
        if criterion is None:
            query = (query.join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
                     .join(SurveySection, SurveySection.id == SurveyQuestion.section_id)
                     .group_by(*keys, SurveySection.criterion))
        else:
            query = query.group_by(*keys)
        return query

    return union_all(part(None), part(ALL))


def text_counts(survey_id: int, first: dt.date, last: dt.date):
    """Per unit: free-text answers (counted, never shown)."""
    return (select(SurveyAnswer.unit_id, func.count())
            .where(SurveyAnswer.survey_id == survey_id, SurveyAnswer.month >= first, SurveyAnswer.month <= last,
                   SurveyAnswer.text.is_not(None))
            .group_by(SurveyAnswer.unit_id))


def unit_tree():
    """A recursive CTE of (ancestor_id, unit_id): every unit with itself and each of its sub-units."""
    base = select(Unit.id.label("ancestor_id"), Unit.id.label("unit_id"))
    tree = base.cte("unit_tree", recursive=True)
    child = Unit.__table__.alias("child")
    return tree.union_all(select(tree.c.ancestor_id, child.c.id).join(child, child.c.parent_id == tree.c.unit_id))


def tree_counts(own):
    """Roll the per-unit counts of ``own`` (a subquery of ``rated_counts``) up to every ancestor:
    a unit with its sub-units. Responses add up: each response is about one unit."""
    tree = unit_tree()
    return (select(tree.c.ancestor_id.label("unit_id"), literal(None, Integer).label("procedure_id"),
                   own.c.criterion, func.sum(own.c.responses).label("responses"),
                   func.sum(own.c.answers).label("answers"), func.sum(own.c.satisfied).label("satisfied"),
                   func.sum(own.c.score_sum).label("score_sum"))
            .join(tree, tree.c.unit_id == own.c.unit_id)
            .group_by(tree.c.ancestor_id, own.c.criterion))


def live_counts(survey_id: int, first: dt.date, last: dt.date, *, scope: str = "unit",
                unit_ids: list[int] | None = None, procedure_id: int | None = None) -> dict[int, dict[str, Counts]]:
    """Counts of a period that is not frozen: {unit id: {criterion: Counts}} for ``scope`` "unit"
    (own answers), "tree" (with sub-units) or "procedure" (the answers about ``procedure_id``)."""
    own = rated_counts(survey_id, first, last, by_procedure=scope == "procedure").subquery("own")
    if scope == "tree":
        query = tree_counts(own).subquery("rolled")
    else:
        query = own
    statement = select(query.c.unit_id, query.c.procedure_id, query.c.criterion, query.c.responses,
                       query.c.answers, query.c.satisfied, query.c.score_sum)
    if unit_ids is not None:
        statement = statement.where(query.c.unit_id.in_(unit_ids or [-1]))
    if procedure_id is not None:
        statement = statement.where(query.c.procedure_id == procedure_id)
    result: dict[int, dict[str, Counts]] = {}
    for unit_id, _procedure, criterion, responses, answers, satisfied, score_sum in db.session.execute(statement):
        found = result.setdefault(unit_id, {})
        found[criterion] = found.get(criterion, Counts()) + Counts(
            int(responses or 0), int(answers or 0), int(satisfied or 0), float(score_sum or 0))
    if scope != "procedure":
        texts = dict(db.session.execute(text_counts(survey_id, first, last)).all())
        if scope == "tree":
            texts = _roll_up(texts)
        for unit_id, count in texts.items():
            if unit_ids is not None and unit_id not in unit_ids:
                continue
            found = result.setdefault(unit_id, {})
            found[ALL] = found.get(ALL, Counts()) + Counts(texts=int(count))
    return result


def _roll_up(per_unit: dict[int, int]) -> dict[int, int]:
    """Per-unit counts added up to every ancestor (a few hundred units: the tree in SQL, the sum here)."""
    tree = unit_tree()
    rolled: dict[int, int] = {}
    for ancestor_id, unit_id in db.session.execute(select(tree.c.ancestor_id, tree.c.unit_id)):
        if unit_id in per_unit:
            rolled[ancestor_id] = rolled.get(ancestor_id, 0) + per_unit[unit_id]
    return rolled
