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
- ``responses``: people who answered the criterion's most answered question (for ``ALL``, the most
  answered rated question): every person who answered, when the criterion has a required question.
  The minimum sample counts people, not answers: ten people answering four questions each are ten,
  not forty. (The interval counts answers, as the rate does; answers of one person are not
  independent, so it is narrower than a survey statistician's would be; the minimum sample keeps
  small units out of the ranking.)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import Integer, case, func, literal, select

from feedback.extensions import db
from feedback.plugins.reports.models import ALL
from feedback.surveys.models import SurveyAnswer, SurveyOption, SurveyQuestion, SurveySection, SurveyVersion
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
#
# One aggregate per unit (and procedure) and question, read from survey_answers' covering index
# (survey, month, unit, question, value, satisfied): count, satisfied, sum of values. The
# questions' criteria and scales are a few dozen rows; the scores are linear in the values, so the
# sum of scores of a question is count + 4 * (sum of values - count * lowest) / (highest - lowest).
# People per criterion are those who answered its most answered question (every person, when the
# criterion has a required question), so that no per-person scan is needed.


@dataclass(frozen=True)
class Question:
    criterion: str
    low: int
    high: int

    def score_sum(self, answers: int, value_sum: float) -> float:
        if self.high <= self.low:
            return 5.0 * answers
        return answers + 4.0 * (value_sum - answers * self.low) / (self.high - self.low)


def rated_questions(survey_id: int) -> dict[int, Question]:
    """Every rated question of every version of the survey: its criterion and the bounds of its scale."""
    rows = db.session.execute(
        select(SurveyQuestion.id, SurveySection.criterion, func.min(SurveyOption.value), func.max(SurveyOption.value))
        .join(SurveySection, SurveySection.id == SurveyQuestion.section_id)
        .join(SurveyVersion, SurveyVersion.id == SurveyQuestion.version_id)
        .join(SurveyOption, SurveyOption.question_id == SurveyQuestion.id)
        .where(SurveyVersion.survey_id == survey_id, SurveyQuestion.rated.is_(True))
        .group_by(SurveyQuestion.id, SurveySection.criterion))
    return {question_id: Question(criterion, low, high) for question_id, criterion, low, high in rows}


def text_questions(survey_id: int) -> list[int]:
    """Questions whose answers are free text (they have no options)."""
    with_options = select(SurveyOption.question_id)
    return list(db.session.scalars(
        select(SurveyQuestion.id).join(SurveyVersion, SurveyVersion.id == SurveyQuestion.version_id)
        .where(SurveyVersion.survey_id == survey_id, SurveyQuestion.rated.is_(False),
               SurveyQuestion.id.not_in(with_options))))


def per_question(survey_id: int, first: dt.date, last: dt.date, *, by_procedure: bool = False,
                 unit_ids: list[int] | None = None, procedure_id: int | None = None):
    """SELECT unit_id, procedure_id, question_id, answers, satisfied, value_sum of the rated answers
    of the months from ``first`` to ``last`` (first days, included)."""
    satisfied = func.sum(case((SurveyAnswer.satisfied.is_(True), 1), else_=0))
    procedure = SurveyAnswer.procedure_id if by_procedure else literal(None, Integer)
    keys = [SurveyAnswer.unit_id] + ([SurveyAnswer.procedure_id] if by_procedure else []) + [SurveyAnswer.question_id]
    query = (select(SurveyAnswer.unit_id, procedure.label("procedure_id"), SurveyAnswer.question_id, func.count(),
                    satisfied, func.sum(SurveyAnswer.value))
             .where(SurveyAnswer.survey_id == survey_id, SurveyAnswer.month >= first, SurveyAnswer.month <= last,
                    SurveyAnswer.satisfied.is_not(None))
             .group_by(*keys))
    if by_procedure:
        query = query.where(SurveyAnswer.procedure_id.is_not(None))
    if unit_ids is not None:
        query = query.where(SurveyAnswer.unit_id.in_(unit_ids or [-1]))
    if procedure_id is not None:
        query = query.where(SurveyAnswer.procedure_id == procedure_id)
    return query


def text_counts(survey_id: int, first: dt.date, last: dt.date, unit_ids: list[int] | None = None):
    """Per unit: free-text answers (counted, never shown), from the covering index."""
    query = (select(SurveyAnswer.unit_id, func.count())
             .where(SurveyAnswer.survey_id == survey_id, SurveyAnswer.month >= first, SurveyAnswer.month <= last,
                    SurveyAnswer.question_id.in_(text_questions(survey_id) or [-1]))
             .group_by(SurveyAnswer.unit_id))
    if unit_ids is not None:
        query = query.where(SurveyAnswer.unit_id.in_(unit_ids or [-1]))
    return query


def unit_tree():
    """A recursive CTE of (ancestor_id, unit_id): every unit with itself and each of its sub-units."""
    base = select(Unit.id.label("ancestor_id"), Unit.id.label("unit_id"))
    tree = base.cte("unit_tree", recursive=True)
    child = Unit.__table__.alias("child")
    return tree.union_all(select(tree.c.ancestor_id, child.c.id).join(child, child.c.parent_id == tree.c.unit_id))


def subunits_of(unit_ids: list[int] | None = None) -> dict[int, list[int]]:
    """Unit id → itself and every sub-unit (of the units asked, or of every unit)."""
    tree = unit_tree()
    query = select(tree.c.ancestor_id, tree.c.unit_id)
    if unit_ids is not None:
        query = query.where(tree.c.ancestor_id.in_(unit_ids or [-1]))
    found: dict[int, list[int]] = {}
    for ancestor_id, unit_id in db.session.execute(query):
        found.setdefault(ancestor_id, []).append(unit_id)
    return found


def _fold(rows, questions: dict[int, Question]) -> dict:
    """Per-question aggregates → {key: {criterion: Counts}}, key being (unit id, procedure id).

    People: the most answered question of each criterion (and of all of them, for ALL)."""
    sums: dict = {}
    most: dict = {}
    for unit_id, procedure_id, question_id, answers, happy, value_sum in rows:
        question = questions.get(question_id)
        if question is None:
            continue
        key = (unit_id, procedure_id)
        answers, happy = int(answers), int(happy or 0)
        score = question.score_sum(answers, float(value_sum or 0))
        by_criterion = sums.setdefault(key, {})
        people = most.setdefault(key, {})
        for criterion in (question.criterion, ALL):
            known = by_criterion.get(criterion, Counts())
            by_criterion[criterion] = Counts(0, known.answers + answers, known.satisfied + happy,
                                             known.score_sum + score)
            people[criterion] = max(people.get(criterion, 0), answers)
    return {key: {criterion: Counts(most[key][criterion], counts.answers, counts.satisfied, counts.score_sum)
                  for criterion, counts in by_criterion.items()} for key, by_criterion in sums.items()}


def live_counts(survey_id: int, first: dt.date, last: dt.date, *, scope: str = "unit",
                unit_ids: list[int] | None = None, procedure_id: int | None = None) -> dict[int, dict[str, Counts]]:
    """Counts of the months from ``first`` to ``last``: {unit id: {criterion: Counts}} for ``scope``
    "unit" (own answers), "tree" (with sub-units) or "procedure" (the answers about ``procedure_id``,
    or about any procedure)."""
    questions = rated_questions(survey_id)
    tree = subunits_of(unit_ids) if scope == "tree" else None
    wanted = unit_ids if tree is None else sorted({member for members in tree.values() for member in members})
    rows = db.session.execute(per_question(survey_id, first, last, by_procedure=scope == "procedure",
                                           unit_ids=wanted, procedure_id=procedure_id)).all()
    if tree is not None:
        # A unit with its sub-units: their answers per question added up before people are counted.
        owners: dict[int, list[int]] = {}
        for ancestor_id, members in tree.items():
            for member in members:
                owners.setdefault(member, []).append(ancestor_id)
        added: dict = {}
        for unit_id, _procedure, question_id, answers, happy, value_sum in rows:
            for ancestor_id in owners.get(unit_id, ()):
                known = added.get((ancestor_id, question_id), (0, 0, 0.0))
                added[(ancestor_id, question_id)] = (known[0] + int(answers), known[1] + int(happy or 0),
                                                     known[2] + float(value_sum or 0))
        rows = [(ancestor_id, None, question_id, *values) for (ancestor_id, question_id), values in added.items()]
    folded = _fold(rows, questions)
    result: dict[int, dict[str, Counts]] = {}
    for (unit_id, _procedure), by_criterion in folded.items():
        found = result.setdefault(unit_id, {})
        for criterion, counts in by_criterion.items():
            # Several procedures of one unit: people add up (each response is about one procedure).
            found[criterion] = found.get(criterion, Counts()) + counts
    if scope != "procedure":
        texts = dict(db.session.execute(text_counts(survey_id, first, last, wanted)).all())
        if tree is not None:
            texts = {ancestor_id: sum(texts.get(member, 0) for member in members)
                     for ancestor_id, members in tree.items()}
        for unit_id, count in texts.items():
            if count and (unit_ids is None or unit_id in unit_ids):
                found = result.setdefault(unit_id, {})
                found[ALL] = found.get(ALL, Counts()) + Counts(texts=int(count))
    return result


def procedure_counts(survey_id: int, first: dt.date, last: dt.date) -> dict:
    """{(unit id, procedure id): {criterion: Counts}} of the answers about a procedure."""
    rows = db.session.execute(per_question(survey_id, first, last, by_procedure=True)).all()
    return _fold(rows, rated_questions(survey_id))
