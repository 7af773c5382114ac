"""The register's first page keeps its search form, rendered once per language, list of fields and
version of the units; a page that was asked something shows what was asked."""

from __future__ import annotations

import re

from feedback.extensions import db as _db


def field_options(html: str) -> list[str]:
    found = re.search(r'<select[^>]* name="field"[^>]*>(.*?)</select>', html, re.S)
    assert found
    return re.findall(r'<option (?:selected )?value="([^"]*)">', found.group(1))


def test_a_new_field_of_procedures_shows_at_once_on_the_first_page(app, client, staff):
    from feedback.procedures.services import save_procedure
    from feedback.units.services import get_unit

    assert field_options(client.get("/register").get_data(as_text=True)) == [""]
    with app.app_context():
        save_procedure(None, code="1.001193.000.00.00.H46", name="Đăng ký khai sinh", field="Hộ tịch",
                       unit=get_unit("P.STP"), processing_days=3, fee=None, online_level=4, postal_return=False)
        _db.session.commit()
    assert field_options(client.get("/register").get_data(as_text=True)) == ["", "Hộ tịch"]


def test_what_was_asked_is_shown_and_the_first_page_forgets_it(client, staff):
    asked = client.get("/register?q=h%E1%BB%93+s%C6%A1&unit=P.STP&kind=petition").get_data(as_text=True)
    assert 'value="hồ sơ"' in asked
    assert '<option selected value="P.STP">' in asked
    assert '<option selected value="petition">' in asked
    assert '<details class="filter-panel" open>' in asked
    first = client.get("/register").get_data(as_text=True)
    assert 'value="hồ sơ"' not in first and '<option selected value="P.STP">' not in first
    assert '<details class="filter-panel">' in first


def test_the_kept_form_speaks_the_language_of_the_page(app, client, staff):
    def button(html: str) -> tuple[str, str]:
        return (re.search(r'<html lang="(\w+)"', html).group(1),
                re.search(r'<div class="search">.*?<button type="submit">([^<]+)</button>', html, re.S).group(1))

    assert button(client.get("/register").get_data(as_text=True)) == ("vi", "Tìm kiếm")
    assert button(client.get("/register?lang=en").get_data(as_text=True)) == ("en", "Search")
    # The language is remembered: the first page again, nothing asked, in English...
    assert button(client.get("/register").get_data(as_text=True)) == ("en", "Search")
    # ...and in Vietnamese for another visitor.
    assert button(app.test_client().get("/register").get_data(as_text=True)) == ("vi", "Tìm kiếm")
