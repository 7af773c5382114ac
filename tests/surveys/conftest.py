"""Fixtures of the survey tests: the staff fixture's units with a published SIPAS-style survey."""

from __future__ import annotations

import pytest

from feedback.extensions import db as _db


@pytest.fixture
def sipas(app, staff):
    """The template survey, published; returns its id."""
    from feedback.surveys.builder import create_from_template

    with app.app_context():
        survey = create_from_template(publish_it=True)
        _db.session.commit()
        return survey.id
