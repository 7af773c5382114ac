"""``flask committee-report``: the report to the People's Committee as a PDF or XLSX file; ``flask
accountability rebuild-figures``: the monthly summaries of the on-time figures counted again."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from feedback.errors import ServiceError


@click.command("committee-report")
@click.option("--unit", "code", required=True, help="Code of the unit reported on (with the units under it).")
@click.option("--period", required=True, help="A month (2026-11) or a quarter (2026-Q4) that has begun.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: bao-cao-phan-anh-kien-nghi-UNIT-PERIOD.FORMAT here).")
@with_appcontext
def committee_report(code: str, period: str, fmt: str, output: Path | None):
    """Write the report on receiving and handling complaints and petitions for a month or a quarter."""
    from sqlalchemy import select

    from feedback.extensions import db
    from feedback.plugins.accountability import report
    from feedback.units.models import Unit

    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise click.ClickException(f"No unit has the code {code}.")
    try:
        figures = report.build(unit, report.parse_period(period))
    except ServiceError as refusal:
        raise click.ClickException(str(refusal.message)) from None
    body = report.pdf(figures) if fmt == "pdf" else report.xlsx(figures)
    output = output or Path(f"bao-cao-phan-anh-kien-nghi-{unit.code}-{figures.period.slug}.{fmt}")
    output.write_bytes(body)
    click.echo(f"{output}: {unit.name}, {figures.period.label}, {figures.totals['received']} received, "
               f"{figures.totals['answered_on_time']} answered on time, {figures.totals['answered_late']} late, "
               f"{figures.totals['open_overdue']} open and overdue")


accountability = AppGroup("accountability", help="The on-time figures: the monthly summaries the dashboards read.")


@accountability.command("rebuild-figures")
def rebuild_figures_command():
    """Count every closed month's on-time figures again from the records (tick keeps them after)."""
    from feedback.plugins.accountability.summaries import rebuild
    from feedback.timeutil import utcnow

    count = rebuild(utcnow(), progress=lambda month: click.echo(f"  {month:%Y-%m}"))
    click.echo(f"{count} months of on-time figures kept")
