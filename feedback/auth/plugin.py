"""Registers the sign-in pages and the `users` commands; staff follow their unit when it merges."""

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


@hookimpl(tryfirst=True)
def feedback_units_merged(sources, successor, actor):
    """The staff of merged units work for the successor (before other plugins hear of the merge)."""
    from sqlalchemy import select

    from feedback.auth.models import User
    from feedback.extensions import db

    source_ids = [source.id for source in sources]
    for user in db.session.scalars(select(User).where(User.unit_id.in_(source_ids))):
        user.unit = successor
    db.session.flush()
