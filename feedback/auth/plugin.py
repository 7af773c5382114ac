"""Registers the sign-in pages and the `users` commands."""

from feedback.hookspecs import hookimpl


@hookimpl
def feedback_register_blueprints(app):
    from feedback.auth.views import bp

    return [bp]


@hookimpl
def feedback_register_commands(cli, app):
    from feedback.auth.cli import users

    cli.add_command(users)
