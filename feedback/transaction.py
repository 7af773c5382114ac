"""The one transaction boundary: a request, a command or a job runs its service call through here.

Services change records and flush; they never commit. The boundary commits once when the call
went through and rolls back whatever it did when it failed, so that nothing is half-stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from feedback.extensions import db

T = TypeVar("T")


def run(action: Callable[[], T]) -> T:
    """Run ``action`` (a service call) and commit; on any failure roll back and raise it again.

    A refusal (:class:`feedback.errors.ServiceError`) then reaches the app's error handler, which
    answers with the API's error shape under ``/api/`` and with a page elsewhere; a web form shows
    it next to its fields instead (:func:`feedback.forms.commit_or_show_errors`).
    """
    try:
        result = action()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result
