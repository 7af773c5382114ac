"""Registers the `units` commands."""

from feedback.hookspecs import hookimpl


@hookimpl
def feedback_register_commands(cli, app):
    from feedback.units.cli import units

    cli.add_command(units)
