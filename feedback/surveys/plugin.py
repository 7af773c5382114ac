"""Registers the survey pages, API and commands, gives the built-in question types, and adds the
demo province's answers."""

from __future__ import annotations

from feedback.hookspecs import hookimpl


@hookimpl
def feedback_question_types():
    from feedback.surveys.types import builtin_types

    return builtin_types()


@hookimpl
def feedback_register_blueprints(app):
    from feedback.api.core import register_api
    from feedback.surveys.api import bp as api_bp
    from feedback.surveys.views import bp

    register_api(app, api_bp)
    return [bp]


@hookimpl
def feedback_register_commands(cli, app):
    from feedback.surveys.cli import surveys

    cli.add_command(surveys)


@hookimpl
def feedback_message_templates():
    from feedback.surveys.invitations import TEMPLATES

    return TEMPLATES


@hookimpl
def feedback_response_published(item, response):
    """The filer is invited to say, once and anonymously, how satisfied they are."""
    from feedback.surveys.invitations import invite_after_answer

    invite_after_answer(item)


@hookimpl
def feedback_demo_loaded(province, session):
    from feedback.surveys.demo import load_demo_answers

    load_demo_answers(province)
