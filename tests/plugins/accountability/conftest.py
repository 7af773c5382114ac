"""The accountability tests' clock; their helpers (filing and acting through the API, signing in)
come from tests/helpers.py and the ``people`` fixture from tests/conftest.py."""

from __future__ import annotations

import pytest

from tests.helpers import (  # noqa: F401 - used by this folder's tests
    ANSWER, BODY, CLOCK_MODULES, LOCAL, TITLE, UTC, Clock, act, count, file_item, item, local, login, parse, user_id,
)
from tests.helpers import bearer as token  # noqa: F401 - the name this folder's tests use


@pytest.fixture
def clock(monkeypatch):
    """The application's "now", frozen where the test puts it (the event log, filings, answers, stats)."""
    return Clock(monkeypatch)
