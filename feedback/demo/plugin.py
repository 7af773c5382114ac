"""Registers `flask demo`: the demo province, and every plugin's demo records."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from feedback.hookspecs import hookimpl


@click.command("demo")
@click.option("--password", default="demo-password", show_default=True, help="Password of every demo account.")
@with_appcontext
def demo_command(password):
    """Load the demo province (units, staff, procedures, and every plugin's records)."""
    from feedback.cli import commit_or_fail
    from feedback.demo import load_demo
    from feedback.pluginmanager import run_tick

    click.echo(commit_or_fail(lambda: load_demo(password)))
    # What periodic work would have done by now (reminders, escalations, letters).
    for name, result in run_tick():
        click.echo(f"{name}: {result}")


@hookimpl
def feedback_register_commands(cli, app):
    cli.add_command(demo_command)
