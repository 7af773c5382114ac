"""The journeys run once, on PostgreSQL when the suite has it (production's database), else on
SQLite: they test what people see and do; both databases are tested under every page elsewhere."""

from __future__ import annotations

import pytest

from tests.helpers import BACKENDS


@pytest.fixture(params=["postgresql" if "postgresql" in BACKENDS else BACKENDS[0]])
def backend(request) -> str:
    return request.param
