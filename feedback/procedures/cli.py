"""`flask procedures import FILE.csv`: load the procedure catalogue."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from feedback.cli import commit_or_fail
from feedback.procedures.services import import_procedures


@click.group()
def procedures():
    """Manage the procedure catalogue."""


@procedures.command("import")
@click.argument("file", type=click.File("rb"))
@with_appcontext
def import_command(file):
    """Create or update procedures from a CSV file.

    Columns: code, name, field, unit_code, processing_days, and optionally fee (đồng),
    online_level (2, 3 or 4), postal_return (yes/no). All rows are imported or none.
    """
    created, updated = commit_or_fail(lambda: import_procedures(file.read()))
    click.echo(f"Procedures: {created} created, {updated} updated.")
