"""Helpers for the register tests: a clock that also moves the register, and filing through the API."""

from __future__ import annotations

import pytest

from tests.helpers import CLOCK_MODULES, Clock, file_item

REGISTER_CLOCK_MODULES = CLOCK_MODULES + (
    "feedback.plugins.register.services",
    "feedback.plugins.register.stats",
    "feedback.plugins.register.views",
)


@pytest.fixture
def clock(monkeypatch):
    """The application's "now", frozen where the test puts it, the register's modules included."""
    return Clock(monkeypatch, REGISTER_CLOCK_MODULES)


def file(client, headers=None, **fields) -> dict:
    """File through the API; ``contact`` is always sent (an empty one for an anonymous item)."""
    fields.setdefault("contact", {})
    return file_item(client, headers, **fields)
