"""The running figures of a month not frozen yet: counted by tick, kept, and read by every request.
They must be exactly what a direct computation on the same answers gives."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from feedback.extensions import db as _db
from feedback.plugins.reports import results
from feedback.plugins.reports.index import ALL, Counts, live_counts, procedure_counts
from feedback.plugins.reports.models import RunningFigure
from feedback.plugins.reports.running import count_running, running_due, running_month
from feedback.units.services import get_unit
from tests.plugins.reports.conftest import answered_in, submit


def _direct(survey_id: int, month: dt.date) -> dict:
    """Every figure of the month computed from the answers now: (scope, unit, procedure, criterion) → counts."""
    found = {}
    for scope in ("unit", "tree"):
        for unit_id, by_criterion in live_counts(survey_id, month, month, scope=scope).items():
            for criterion, counts in by_criterion.items():
                found[(scope, unit_id, None, criterion)] = counts
    for (unit_id, procedure_id), by_criterion in procedure_counts(survey_id, month, month).items():
        for criterion, counts in by_criterion.items():
            found[("procedure", unit_id, procedure_id, criterion)] = counts
    return found


def _kept(month_id: int) -> dict:
    return {(row.scope, row.unit_id, row.procedure_id, row.criterion):
            Counts(row.responses, row.answers, row.satisfied, row.score_sum, row.texts if row.criterion == ALL else 0)
            for row in _db.session.scalars(select(RunningFigure).where(RunningFigure.month_id == month_id))}


def _without_texts(figures: dict) -> dict:
    return {key: Counts(c.responses, c.answers, c.satisfied, round(c.score_sum, 9),
                        c.texts if key[0] != "procedure" and key[3] == ALL else 0) for key, c in figures.items()}


def test_kept_figures_are_a_direct_computation_of_the_same_answers(app, seeded):
    month = seeded["month"]
    with app.app_context():
        survey = results.find_survey(seeded["survey"])
        first = dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.timezone.utc)
        running = count_running(survey, month, first)
        _db.session.commit()
        kept = _kept(running.id)
        assert kept and _without_texts(kept) == _without_texts(_direct(survey.id, month))
        department = results.results(survey, month, unit=get_unit("P.STP"), subunits=False)
        assert (department.overall.answers, department.overall.satisfied) == (600, 450)
        assert department.counted_at == first

        # Answers that arrive after the count are not in the figures until the next count, which
        # says when it was made; then the figures are the direct computation again.
        for number in range(3):
            submit(seeded["survey"], "P.XA", 1, answered_in(month, hour=11) + dt.timedelta(minutes=number),
                   procedure="")
        submit(seeded["survey"], "P.STP", 2, answered_in(month, hour=12), procedure="1.000001")
        _db.session.commit()
        unchanged = results.results(survey, month, unit=get_unit("P"), subunits=True)
        assert (unchanged.overall.answers, unchanged.counted_at) == (615, first)
        assert _without_texts(_kept(running.id)) != _without_texts(_direct(survey.id, month))

        second = first + dt.timedelta(minutes=15)
        again = count_running(survey, month, second)
        _db.session.commit()
        assert again.id == running.id and again.responses == 45
        assert _without_texts(_kept(again.id)) == _without_texts(_direct(survey.id, month))
        province = results.results(survey, month, unit=get_unit("P"), subunits=True)
        assert (province.overall.responses, province.overall.answers, province.counted_at) == (45, 675, second)
        about = results.results(survey, month, procedure=results.find_procedure("1.000001")).overall
        assert (about.responses, about.answers, about.satisfied) == (11, 165, 150)


def test_tick_counts_again_only_when_the_figures_are_older_than_the_interval(app, seeded):
    month = seeded["month"]
    now = dt.datetime.combine(month.replace(day=20), dt.time(3), tzinfo=dt.timezone.utc)
    with app.app_context():
        app.config["REPORTS_LIVE_REFRESH_MINUTES"] = 10
        survey = results.find_survey(seeded["survey"])
        assert [(found.id, counted) for found, counted in running_due(now)] == [(survey.id, month)]
        assert running_due(now + dt.timedelta(minutes=9)) == []
        assert [counted for _survey, counted in running_due(now + dt.timedelta(minutes=10))] == [month]
        assert running_month(survey, month).counted_at == now + dt.timedelta(minutes=10)
        _db.session.commit()
