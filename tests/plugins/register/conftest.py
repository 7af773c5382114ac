"""Helpers for the register tests: the accountability helpers, and a clock that also moves the register."""

from __future__ import annotations

import pytest

from ..accountability.conftest import CLOCK_MODULES, Clock, people  # noqa: F401 (fixture)

REGISTER_CLOCK_MODULES = CLOCK_MODULES + (
    "feedback.plugins.register.services",
    "feedback.plugins.register.stats",
    "feedback.plugins.register.views",
)


class RegisterClock(Clock):
    def __init__(self, monkeypatch):
        super().__init__(monkeypatch)
        for module in REGISTER_CLOCK_MODULES[len(CLOCK_MODULES):]:
            monkeypatch.setattr(f"{module}.utcnow", self)


@pytest.fixture
def clock(monkeypatch):
    """The application's "now", frozen where the test puts it, the register's modules included."""
    return RegisterClock(monkeypatch)


def file(client, headers=None, **fields) -> dict:
    """File through the API; ``contact`` is always sent (an empty one for an anonymous item)."""
    from ..accountability.conftest import file_item

    fields.setdefault("contact", {})
    return file_item(client, headers, **fields)
