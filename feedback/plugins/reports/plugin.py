"""The reports plugin's hook implementations: the satisfaction index of every unit, frozen each month
and published (pages, PDF, CSV/XLSX/JSON, API), and the unit scorecard."""

from __future__ import annotations

from feedback.hookspecs import hookimpl

SETTINGS = {
    # The survey whose index the menu, the scorecard and other plugins' figures show.
    "REPORTS_SURVEY": "sipas",
    # A figure is published and ranked only when at least this many people answered (fewer: "not
    # enough answers"; the API still gives the figures, with enough_answers false).
    "REPORTS_MIN_SAMPLE": 30,
    # The share of satisfied answers each unit aims at, unless it has its own (flask reports target).
    "REPORTS_TARGET": 0.85,
    # A month not frozen yet: tick counts its running figures again when they are older than this.
    "REPORTS_LIVE_REFRESH_MINUTES": 10,
}


@hookimpl
def feedback_default_settings():
    return SETTINGS


@hookimpl
def feedback_register_blueprints(app):
    from feedback.api.core import register_api
    from feedback.plugins.reports.api import bp as api_bp
    from feedback.plugins.reports.views import bp

    register_api(app, api_bp)
    return [bp]


@hookimpl
def feedback_register_commands(cli, app):
    from feedback.plugins.reports.cli import reports

    cli.add_command(reports)


@hookimpl
def feedback_tick(now):
    """On the first working day of a month, freeze the month before (and any month left unfrozen);
    count the running figures of the months not frozen when they are older than
    REPORTS_LIVE_REFRESH_MINUTES."""
    from feedback.plugins.reports.running import running_due
    from feedback.plugins.reports.snapshot import freeze_due

    done = freeze_due(now)
    counted = running_due(now)
    said = [f"{len(done)} month(s) frozen"] if done else []
    said += [f"{len(counted)} running month(s) counted"] if counted else []
    return "; ".join(said) or None


@hookimpl
def feedback_survey_answered(response):
    """An answer about a month already frozen is counted as late; the frozen figures stay as they are."""
    from feedback.plugins.reports.snapshot import count_if_late

    count_if_late(response)


@hookimpl
def feedback_unit_statistics(units, date_from, date_to, by_month, names):
    """The satisfaction index of REPORTS_SURVEY per unit (own answers), over the whole months of the
    period: ``survey_responses``, ``satisfaction_answers``, ``satisfaction_satisfied`` and
    ``satisfaction_rate``."""
    if names is not None and not names & {"survey_responses", "satisfaction_answers", "satisfaction_satisfied",
                                          "satisfaction_rate"}:
        return None  # the caller shows none of them
    from feedback.plugins.reports.statistics import unit_figures

    return unit_figures(units, date_from, date_to, by_month)


@hookimpl
def feedback_unit_statistics_columns():
    from flask_babel import lazy_gettext as _l

    from feedback.exports import Column

    return [Column("survey_responses", _l("People who answered"), "int"),
            Column("satisfaction_answers", _l("Rated answers"), "int"),
            Column("satisfaction_satisfied", _l("Satisfied answers"), "int"),
            Column("satisfaction_rate", _l("Satisfaction rate"), "percent")]


# trylast: pluggy calls the plugins registered later first, and the snapshots need the surveys' demo answers.
@hookimpl(trylast=True)
def feedback_demo_loaded(province, session):
    from feedback.plugins.reports.demo import freeze_demo_months
    from feedback.plugins.reports.running import running_due
    from feedback.timeutil import utcnow

    freeze_demo_months()
    running_due(utcnow())  # this month's running figures, as the next tick would count them


@hookimpl
def feedback_template_slot(name, context):
    if name not in ("layout.menu", "home.cards", "unit.after_details"):
        return None
    from flask import url_for
    from flask_babel import gettext as _
    from markupsafe import Markup, escape

    if name == "layout.menu":
        return Markup('<li><a href="%s">%s</a></li>') % (url_for("reports.index"), escape(_("Satisfaction")))
    if name == "home.cards":
        return Markup('<a class="card" href="%s"><h2>%s</h2><p>%s</p></a>') % (
            url_for("reports.index"), _("Satisfaction index"),
            _("How satisfied people are with each unit, month by month, against its target."))
    unit = context.get("unit")
    if unit is None:
        return None
    return Markup('<p><a href="%s">%s</a></p>') % (url_for("reports.scorecard", unit=unit.code),
                                                   escape(_("Scorecard of this unit")))
