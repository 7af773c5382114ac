"""Registers the `procedures` commands."""

from feedback.hookspecs import hookimpl


@hookimpl
def feedback_register_commands(cli, app):
    from feedback.procedures.cli import procedures

    cli.add_command(procedures)
