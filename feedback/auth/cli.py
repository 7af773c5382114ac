"""`flask users ...`: staff accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from feedback.auth.services import create_user
from feedback.cli import commit_or_fail
from feedback.units.services import get_unit


@click.group()
def users():
    """Manage staff accounts."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "head", "officer"]), required=True)
@click.option("--unit", "unit_code", help="Code of the unit (required for head and officer).")
@click.option("--name", default="", help="Full name.")
@click.option("--title", default="", help="Title, e.g. 'Giám đốc'.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create(email, role, unit_code, name, title, password_stdin):
    """Create a staff account; --role head --unit CODE makes it that unit's head."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    def create_account():
        unit = get_unit(unit_code) if unit_code else None
        return create_user(email, password, role, unit=unit, name=name, title=title), unit

    user, unit = commit_or_fail(create_account)
    click.echo(f"Created {user.email} ({user.role}{', ' + unit.code if unit else ''}).")
