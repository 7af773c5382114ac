"""`flask units ...`: the unit tree from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from feedback.cli import commit_or_fail
from feedback.units.services import import_units, list_units, tree

@click.group()
def units():
    """Manage the unit tree."""

@units.command("import")
@click.argument("file", type=click.File("rb"))
@with_appcontext
def import_command(file):
    """Create or update units from a CSV file (code,name,kind,parent_code[,valid_from,valid_until]).

    All rows are imported or none: any bad row is reported with its number and column.
    """
    created, updated = commit_or_fail(lambda: import_units(file.read()))
    click.echo(f"Units: {created} created, {updated} updated.")

@units.command("list")
@with_appcontext
def list_command():
    """Print the unit tree."""
    for depth, unit in tree(list_units()):
        until = f" (until {unit.valid_until:%d/%m/%Y})" if unit.valid_until else ""
        click.echo(f"{'  ' * depth}{unit.code}  {unit.name}{until}")
