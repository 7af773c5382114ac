"""The accountability tests' clock; their helpers (filing and acting through the API, signing in)
come from tests/helpers.py and the ``people`` fixture from tests/conftest.py."""

from __future__ import annotations

import pytest

from feedback.extensions import db as _db
from tests.helpers import PASSWORD
from tests.helpers import (  # noqa: F401 - used by this folder's tests
    ANSWER, BODY, CLOCK_MODULES, LOCAL, TITLE, UTC, Clock, act, count, file_item, item, local, login, parse, user_id,
)
from tests.helpers import bearer as token  # noqa: F401 - the name this folder's tests use


@pytest.fixture
def clock(monkeypatch):
    """The application's "now", frozen where the test puts it (the event log, filings, answers, stats)."""
    return Clock(monkeypatch)


@pytest.fixture
def sub_department(app, people):
    """A sub-department under the department, with its own head: three levels below the chair."""
    from feedback.auth.services import create_user
    from feedback.units.services import create_unit, get_unit

    with app.app_context():
        unit = create_unit("P.STP.CC", "Chi cục Thử nghiệm", "sub_department", parent=get_unit("P.STP"),
                           valid_from=local(2025, 7, 1).date())
        create_user("chicuc@example.vn", PASSWORD, "head", unit=unit, name="Vũ Văn Cục", title="Chi cục trưởng")
        _db.session.commit()
    return "P.STP.CC"
