"""Core commands: `flask plugins` and `flask demo`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from feedback.hookspecs import hookimpl


@click.command("plugins")
@with_appcontext
def plugins_command():
    """List the plugins loaded and the hooks each implements."""
    from feedback.plugins import describe

    for row in describe(current_app.extensions["feedback.plugins"]):
        click.echo(f"{row['name']}  [{row['kind']}]  {row['module']}")
        for name in row["hooks"]:
            click.echo(f"    {name}")


@click.command("demo")
@click.option("--password", default="demo-password", show_default=True, help="Password of every demo account.")
@with_appcontext
def demo_command(password):
    """Load the demo province (units, staff, procedures, and every plugin's records)."""
    from feedback.demo import load_demo
    from feedback.errors import ServiceError
    from feedback.extensions import db

    from feedback.plugins import run_tick

    try:
        summary = load_demo(password)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.message} {exc.fields}") from exc
    click.echo(summary)
    # What periodic work would have done by now (reminders, escalations, letters).
    for name, result in run_tick():
        click.echo(f"{name}: {result}")


@click.command("tick")
@with_appcontext
def tick_command():
    """Periodic work of every plugin: reminders, escalations, letters, sweeps. Run it from cron."""
    from feedback.plugins import run_tick

    for name, summary in run_tick():
        click.echo(f"{name}: {summary}")


@hookimpl
def feedback_register_commands(cli, app):
    cli.add_command(plugins_command)
    cli.add_command(demo_command)
    cli.add_command(tick_command)
