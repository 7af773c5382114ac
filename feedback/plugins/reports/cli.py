"""``flask reports``: freeze a month by hand, and set a unit's own target."""

from __future__ import annotations

import click
from flask.cli import AppGroup

reports = AppGroup("reports", help="The satisfaction index: monthly snapshots and targets.")


@reports.command("freeze")
@click.option("--survey", "survey_ref", default=None, help="Code or id of the survey (default: REPORTS_SURVEY).")
@click.option("--month", required=True, help="The month to freeze, YYYY-MM (a month that has ended).")
def freeze_command(survey_ref, month):
    """Freeze a month now (tick does it on the first working day of the next month). Does nothing
    if the month is frozen already."""
    from flask_babel import gettext as _

    from feedback.cli import commit_or_fail
    from feedback.errors import Invalid
    from feedback.plugins.reports import results
    from feedback.plugins.reports.snapshot import freeze_month
    from feedback.timeutil import local_today, utcnow

    def freeze():
        survey = results.find_survey(survey_ref) if survey_ref else results.default_survey()
        if survey is None:
            raise Invalid(_("No survey has this name."), {"survey": _("No survey has this name.")})
        first = results.parse_period(month, "month")
        if first is None or first >= local_today().replace(day=1):
            raise Invalid(_("Only a month that has ended can be frozen."), {"month": _("Give a past month.")})
        return survey, first, freeze_month(survey, first, utcnow())

    survey, first, frozen = commit_or_fail(freeze)
    if frozen is None:
        click.echo(f"{survey.code} {first:%Y-%m}: already frozen, unchanged")
    else:
        click.echo(f"{survey.code} {first:%Y-%m}: frozen, {frozen.responses} responses")


@reports.command("target")
@click.argument("unit")
@click.argument("target", required=False)
@click.option("--clear", is_flag=True, help="Remove the unit's own target (REPORTS_TARGET applies).")
def target_command(unit, target, clear):
    """Set UNIT's own target, a share such as 0.98 (or 98%), applied to months frozen from now on."""
    from feedback.cli import commit_or_fail
    from feedback.plugins.reports.targets import set_target

    saved = commit_or_fail(lambda: set_target(unit, None if clear else target))
    click.echo(f"{unit}: {'default target' if saved is None else f'target {saved:.2%}'}")
