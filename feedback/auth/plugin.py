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


@hookimpl
def feedback_tick(now):
    """Forget the counts of failed attempts whose windows have ended."""
    from feedback import throttle

    swept = throttle.sweep(now)
    return f"{swept} ended counts of failed attempts forgotten" if swept else None
