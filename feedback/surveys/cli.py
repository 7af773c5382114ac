"""`flask surveys ...`: the template, XLSForm import and export, publishing, from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from feedback.cli import commit_or_fail
from feedback.errors import ServiceError


@click.group()
def surveys():
    """Satisfaction surveys."""


def _survey(code: str):
    from feedback.surveys.services import find_survey

    try:
        return find_survey(code)
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from exc


@surveys.command("template")
@click.option("--code", default=None, help="The survey's code (default: sipas, or sipas-2... if taken).")
@click.option("--unit", default="", help="Code of the unit whose units run it (default: every unit).")
@click.option("--publish", is_flag=True, help="Publish it at once (otherwise it stays a draft to adapt).")
@with_appcontext
def template_command(code, unit, publish):
    """Make a survey from the SIPAS-style template: the five criteria, an overall question, a comment."""
    from feedback.surveys.builder import create_from_template
    from feedback.surveys.services import free_code, unit_for_code

    owner = unit_for_code(unit) if unit else None
    if unit and owner is None:
        raise click.ClickException(f"No unit has the code {unit}.")
    survey = commit_or_fail(lambda: create_from_template(code=code or free_code("sipas"), unit=owner,
                                                         publish_it=publish))
    state = "published" if publish else "a draft"
    click.echo(f"Survey {survey.code} made from the template ({len(survey.latest.questions)} questions), {state}.")


@surveys.command("list")
@with_appcontext
def list_command():
    """Print the surveys, their versions and their state."""
    from sqlalchemy import select

    from feedback.extensions import db
    from feedback.surveys.builder import answer_count
    from feedback.surveys.models import Survey

    for survey in db.session.scalars(select(Survey).order_by(Survey.code)):
        state = "archived" if survey.archived_at else (f"open v{survey.published.number}" if survey.published
                                                       else "not published")
        click.echo(f"{survey.code}  [{state}]  {survey.title}")
        for version in survey.versions:
            status = "draft" if version.is_draft else ("retired" if version.retired_at else "published")
            click.echo(f"    v{version.number}  {status}  {len(version.questions)} questions  "
                       f"{answer_count(version)} responses")


@surveys.command("publish")
@click.argument("code")
@with_appcontext
def publish_command(code):
    """Publish the draft of survey CODE (it is frozen from then on)."""
    from feedback.surveys.builder import publish_draft

    survey = _survey(code)
    version = commit_or_fail(lambda: publish_draft(survey))
    click.echo(f"Survey {survey.code}: version {version.number} published.")


@surveys.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--code", default=None, help="Code of the new survey (default: the form_id of the settings sheet).")
@click.option("--into", "into", default=None, help="Import as the next version of this survey instead.")
@with_appcontext
def import_command(file, code, into):
    """Import an XLSForm (.xlsx: survey, choices and settings sheets) as a draft.

    All or nothing: every problem is listed with its sheet, row and column.
    """
    from feedback.surveys.xlsform import import_survey

    data = file.read()
    target = _survey(into) if into else None
    survey = commit_or_fail(lambda: import_survey(data, survey=target, code=code))
    draft = survey.draft
    click.echo(f"Survey {survey.code}: draft version {draft.number} with {len(draft.sections)} sections and "
               f"{len(draft.questions)} questions.")


@surveys.command("export")
@click.argument("code")
@click.argument("file", type=click.File("wb"))
@click.option("--version", "number", type=int, default=None, help="Version number (default: the published one).")
@with_appcontext
def export_command(code, file, number):
    """Write survey CODE as an XLSForm."""
    from feedback.surveys.xlsform import export_version

    survey = _survey(code)
    version = survey.published or survey.latest
    if number is not None:
        version = next((v for v in survey.versions if v.number == number), None)
        if version is None:
            raise click.ClickException(f"Survey {survey.code} has no version {number}.")
    file.write(export_version(version))
    click.echo(f"Survey {survey.code} version {version.number} written.")
