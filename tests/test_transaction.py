"""The one transaction boundary: a service call commits once, or nothing of it is stored.

These tests look at the database from another connection, so their commits must be real
(``real_commits``)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from wtforms import StringField

from feedback.errors import Invalid
from feedback.forms import Form, commit_or_flash, commit_or_show_errors
from feedback.transaction import run
from feedback.units.models import Unit
from feedback.units.services import create_unit


def stored_codes(database_url) -> set[str]:
    """The unit codes another connection sees: what was really committed."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT code FROM units")).scalars())
    finally:
        engine.dispose()


class UnitForm(Form):
    name = StringField()


def half_done():
    create_unit("NUA", "Đơn vị làm dở")
    raise Invalid("Dừng giữa chừng.", {"name": "Tên không hợp lệ."})


def test_run_commits_what_went_through(app, db, database_url, real_commits):
    unit = run(lambda: create_unit("DU", "Đơn vị đủ"))
    assert unit.code == "DU" and stored_codes(database_url) == {"DU"}


@pytest.mark.parametrize("failure", [half_done, lambda: (create_unit("LOI", "Đơn vị lỗi"), 1 / 0)])
def test_run_rolls_back_a_refusal_or_a_crash_and_raises_it(app, db, database_url, real_commits, failure):
    with pytest.raises((Invalid, ZeroDivisionError)):
        run(failure)
    assert stored_codes(database_url) == set()
    assert db.session.scalar(select(Unit.id)) is None  # the session goes on, clean


def test_a_form_shows_the_refusal_next_to_its_field(app, database_url, real_commits):
    with app.test_request_context("/", method="POST"):
        form = UnitForm()
        assert commit_or_show_errors(form, half_done) == (None, 422)
        assert form.name.errors == ["Tên không hợp lệ."]
        assert commit_or_show_errors(form, lambda: create_unit("KHAC", "Đơn vị khác").code) == ("KHAC", None)
    assert stored_codes(database_url) == {"KHAC"}


def test_a_button_flashes_the_refusal(app, database_url, real_commits):
    from flask import get_flashed_messages

    with app.test_request_context("/", method="POST"):
        assert commit_or_flash(half_done) == (None, 422)
        assert get_flashed_messages(with_categories=True) == [("error", "Dừng giữa chừng.")]
    assert stored_codes(database_url) == set()


def test_the_api_answers_a_refusal_with_its_error_shape_and_stores_nothing(app, client, staff, database_url,
                                                                           real_commits):
    token = client.post("/api/v1/auth/token", json={"email": "admin@example.vn",
                                                    "password": "correct horse battery"}).get_json()["token"]
    before = stored_codes(database_url)
    response = client.post("/api/v1/units", json={"code": "P", "name": "Trùng mã", "kind": "province"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 409
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    assert stored_codes(database_url) == before
