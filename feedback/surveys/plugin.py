"""Registers the survey pages, commands and API, and gives the built-in question types."""

from __future__ import annotations

from feedback.hookspecs import hookimpl


@hookimpl
def feedback_question_types():
    from feedback.surveys.types import builtin_types

    return builtin_types()
