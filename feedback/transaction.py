"""The one transaction boundary: a request, a command or a job runs its service call through here.

Services change records and flush; they never commit. The boundary commits once when the call
went through and rolls back whatever it did when it failed, so that nothing is half-stored.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, StatementError

from feedback.errors import Busy
from feedback.extensions import db

T = TypeVar("T")
log = logging.getLogger(__name__)

# PostgreSQL's serialization failure and deadlock: the transaction may simply be run again.
RETRYABLE_SQLSTATES = ("40001", "40P01")


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` says "try again": SQLite locked or busy, PostgreSQL's serialization
    failure or deadlock."""
    if isinstance(error, Busy):
        return True
    original = getattr(error, "orig", error)
    if getattr(original, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    return isinstance(original, sqlite3.OperationalError) and any(
        word in str(original) for word in ("database is locked", "database is busy", "database table is locked"))


def busy() -> Busy:
    return Busy(_("The system is busy: nothing was stored. Your input is kept; send it again in a moment."))


def storage_failed() -> Busy:
    return Busy(_("The attached files could not be saved: nothing was stored. Your input is kept; "
                  "send it again later."))


def run(action: Callable[[], T]) -> T:
    """Run ``action`` (a service call) and commit; on any failure roll back and raise it again.

    A refusal (:class:`feedback.errors.ServiceError`) then reaches the app's error handler, which
    answers with the API's error shape under ``/api/`` and with a page elsewhere; a web form shows
    it next to its fields instead (:func:`feedback.forms.commit_or_show_errors`).

    A database that says "try again" (SQLite locked past its busy timeout, a PostgreSQL
    serialization failure or deadlock) gets ``DATABASE_RETRIES`` more tries after a short random
    pause; then :class:`feedback.errors.Busy` (503 with Retry-After). So does a file that the
    storage folder cannot take (a full disk): the row that would refer to it is not written.
    """
    retries = current_app.config.get("DATABASE_RETRIES", 2) if has_app_context() else 2
    for attempt in range(retries + 1):
        try:
            result = action()
            db.session.commit()
            return result
        except (DBAPIError, Busy) as error:
            db.session.rollback()
            if not is_transient(error):
                raise
            if attempt == retries:
                raise busy() from error
            time.sleep(random.uniform(0.05, 0.2) * 2 ** attempt)  # nosec B311  # a pause, not a secret
        except StatementError as error:
            db.session.rollback()
            from feedback.storage import StorageError

            if isinstance(error.orig, StorageError):
                log.error("%s", error.orig)
                raise storage_failed() from error
            raise
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover
