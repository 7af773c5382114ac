"""Registers the admin screens."""

from feedback.hookspecs import hookimpl


@hookimpl
def feedback_register_blueprints(app):
    from feedback.admin.views import bp

    return [bp]
