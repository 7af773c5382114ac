"""The index, its interval and the ranking against a hand computation on the seeded data set
(conftest.py), from the running figures of a month not frozen and from the frozen month."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from feedback.extensions import db as _db
from feedback.plugins.reports import results
from feedback.plugins.reports.index import ALL, Counts, Figure, rank, wilson
from feedback.plugins.reports.running import count_running
from feedback.plugins.reports.snapshot import freeze_month
from feedback.timeutil import utcnow
from feedback.units.services import get_unit


def test_wilson_interval_of_textbook_cases():
    # 8 of 10: the interval every textbook prints (0.490, 0.943); 0 of 10 and 10 of 10 are asymmetric.
    assert [round(x, 4) for x in wilson(8, 10)] == [0.4902, 0.9433]
    assert [round(x, 4) for x in wilson(0, 10)] == [0.0, 0.2775]
    assert [round(x, 4) for x in wilson(10, 10)] == [0.7225, 1.0]
    # All satisfied: the lower bound is n / (n + z²).
    assert wilson(60, 60)[0] == pytest.approx(60 / (60 + 1.959963984540054 ** 2))
    assert wilson(0, 0) is None
    with pytest.raises(ValueError):
        wilson(11, 10)


@pytest.mark.parametrize("satisfied,answers", [(450, 600), (13, 15), (1, 3), (599, 600)])
def test_wilson_bounds_solve_the_score_equation(satisfied, answers):
    """The bounds are the two rates p where the observed share is z standard errors away:
    (p̂ − p)² = z²·p(1−p)/n."""
    z = 1.959963984540054
    share = satisfied / answers
    for bound in wilson(satisfied, answers):
        assert (share - bound) ** 2 == pytest.approx(z * z * bound * (1 - bound) / answers, abs=1e-12)


def _check_department(figure: Figure):
    # 40 people × 15 rated answers; 30 people very satisfied (5), 8 neither (3), 2 very unsatisfied (1).
    assert (figure.responses, figure.answers, figure.satisfied) == (40, 600, 450)
    assert figure.satisfaction_rate == 0.75
    assert figure.mean == pytest.approx((30 * 5 + 8 * 3 + 2 * 1) / 40)  # 4.4
    # Wilson, by hand: n = 600, p = 0.75, z² = 3.8415: centre = (0.75 + 0.0032) / 1.0064 = 0.7484,
    # half-width = 1.96 · √(0.0003125 + 0.0000027) / 1.0064 = 0.0346.
    assert round(figure.ci_low, 4) == 0.7138 and round(figure.ci_high, 4) == 0.7830
    assert figure.target == 0.85 and figure.gap == pytest.approx(-0.10)


@pytest.mark.parametrize("frozen", [False, True])
def test_index_of_the_seeded_month(app, seeded, frozen):
    with app.app_context():
        app.config["REPORTS_MIN_SAMPLE"] = 30
        survey = results.find_survey(seeded["survey"])
        if frozen:
            assert freeze_month(survey, seeded["month"], utcnow()) is not None
        else:
            count_running(survey, seeded["month"], utcnow())
        department = results.results(survey, seeded["month"], unit=get_unit("P.STP"), subunits=False)
        assert department.is_frozen is frozen
        _check_department(department.overall)
        assert department.overall.enough
        by_criterion = {key: figure for key, _label, figure in department.criteria}
        assert list(by_criterion) == ["access", "procedure", "civil_servant", "result", "feedback_handling", "overall"]
        assert (by_criterion["access"].answers, by_criterion["access"].satisfied) == (80, 60)
        assert [round(x, 4) for x in by_criterion["access"].interval] == [0.6452, 0.8319]
        assert (by_criterion["overall"].answers, by_criterion["overall"].satisfied) == (40, 30)
        assert department.texts == 3  # comments are counted, never shown

        commune = results.results(survey, seeded["month"], unit=get_unit("P.XA"), subunits=False).overall
        assert (commune.responses, commune.answers, commune.satisfied) == (1, 15, 13)
        assert commune.mean == pytest.approx((13 * 4 + 2 * 3) / 15)
        assert [round(x, 4) for x in commune.interval] == [0.6212, 0.9626]
        assert not commune.enough  # one person is below the minimum of 30

        # The province with its sub-units: both units' answers, 615 of which 463 satisfied.
        province = results.results(survey, seeded["month"], unit=get_unit("P"), subunits=True).overall
        assert (province.responses, province.answers, province.satisfied) == (41, 615, 463)
        assert [round(x, 4) for x in province.interval] == [0.7173, 0.7853]
        assert results.results(survey, seeded["month"], unit=get_unit("P"), subunits=False).overall.answers == 0
        everything = results.results(survey, seeded["month"]).overall
        assert (everything.answers, everything.satisfied) == (615, 463)

        # Per procedure: the first 10 responses of the department, all very satisfied.
        procedure = results.results(survey, seeded["month"], procedure=results.find_procedure("1.000001")).overall
        assert (procedure.responses, procedure.answers, procedure.satisfied, procedure.mean) == (10, 150, 150, 5.0)


def test_ranking_goes_by_the_lower_bound_and_leaves_out_small_samples(app, seeded):
    with app.app_context():
        survey = results.find_survey(seeded["survey"])
        month = freeze_month(survey, seeded["month"], utcnow())
        _db.session.flush()
        # Frozen with the minimum of 30 people: the commune (1 person) is not ranked at all.
        shown = results.province_month(survey, month)
        assert [(row.unit.code, row.rank) for row in shown["rows"]] == [("P.STP", 1), ("P.XA", None)]
        # With a minimum of 1, the commune's 86.7% (13 of 15) still ranks below the department's
        # 75% (450 of 600): its interval's lower bound is 0.621 against 0.714.
        figures = {code: Figure(ALL, counts, 0.85, 1, True) for code, counts in
                   {"P.STP": Counts(40, 600, 450), "P.XA": Counts(1, 15, 13)}.items()}
        ranked = rank(figures)
        assert [(number, code) for number, code, _figure in ranked] == [(1, "P.STP"), (2, "P.XA")]
        assert figures["P.XA"].satisfaction_rate > figures["P.STP"].satisfaction_rate


def test_a_unit_target_is_kept_with_the_frozen_month(app, seeded, runner):
    result = runner.invoke(args=["reports", "target", "P.STP", "98%"])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(args=["reports", "target", "P.STP", "150%"])
    assert refused.exit_code != 0 and "0.98" in refused.output and "từ 0 đến 1" in refused.output
    with app.app_context():
        survey = results.find_survey(seeded["survey"])
        freeze_month(survey, seeded["month"], utcnow())
        _db.session.commit()
    runner.invoke(args=["reports", "target", "P.STP", "0.5"])  # changed after the month was frozen
    with app.app_context():
        survey = results.find_survey(seeded["survey"])
        figure = results.results(survey, seeded["month"], unit=get_unit("P.STP"), subunits=False).overall
        assert figure.target == 0.98 and figure.gap == pytest.approx(0.75 - 0.98)
        assert not figure.meets_target
        commune = results.results(survey, seeded["month"], unit=get_unit("P.XA"), subunits=False).overall
        assert commune.target == 0.85


def test_the_mean_puts_every_scale_on_one_to_five():
    assert Figure(ALL, Counts(1, 2, 1, 4.0 + 3.0), None, 1, False).mean == 3.5
    assert math.isclose(Figure(ALL, Counts(), None, 1, False).satisfaction_rate or 0, 0)
    assert Figure(ALL, Counts(), None, 1, False).enough is False


def test_other_plugins_get_the_index_through_the_statistics_hook(app, seeded):
    from feedback.pluginmanager import hook
    from feedback.plugins.reports.snapshot import freeze_month

    def asked(by_month=False):
        answers = hook().feedback_unit_statistics(units=[get_unit("P.STP"), get_unit("P.XA")],
                                                  date_from=seeded["month"], date_to=seeded["month"] + dt.timedelta(days=40),
                                                  by_month=by_month, names=None)
        merged = {}
        for answer in answers:
            for unit_id, figures in (answer or {}).items():
                merged.setdefault(unit_id, {}).update(figures)
        return merged

    with app.app_context():
        department, commune = get_unit("P.STP").id, get_unit("P.XA").id
        # Not counted yet: no figure rather than a guess.
        assert "satisfaction_answers" not in asked().get(department, {})
        count_running(results.find_survey(seeded["survey"]), seeded["month"], utcnow())
        live = asked()
        assert {key: live[department][key] for key in ("survey_responses", "satisfaction_answers",
                                                       "satisfaction_satisfied", "satisfaction_rate")} == {
            "survey_responses": 40, "satisfaction_answers": 600, "satisfaction_satisfied": 450,
            "satisfaction_rate": 0.75}
        freeze_month(results.find_survey(seeded["survey"]), seeded["month"], utcnow())
        assert asked()[department]["satisfaction_rate"] == 0.75  # now from the snapshot
        assert asked()[commune]["satisfaction_answers"] == 15
        by_month = asked(by_month=True)
        assert by_month[department][seeded["month"]]["satisfaction_satisfied"] == 450
