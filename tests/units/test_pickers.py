"""Unit pickers are rendered once per change of the units, and every process shows a change at once:
the kept options are read against a mark of change in the database (feedback.versions)."""

from __future__ import annotations

import re

from feedback.extensions import db as _db


def options(html: str, name: str = "unit") -> list[tuple[str, str, bool]]:
    found = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, name
    return [(value, label, bool(selected)) for selected, value, label
            in re.findall(r'<option (selected )?value="([^"]*)">([^<]*)</option>', found.group(1))]


def rename(app, code: str, name: str) -> None:
    from feedback.units.services import get_unit, update_unit

    with app.app_context():
        unit = get_unit(code)
        update_unit(unit, code=unit.code, name=name, kind=unit.kind, parent=unit.parent,
                    valid_from=unit.valid_from, valid_until=unit.valid_until)
        _db.session.commit()


def test_the_filing_form_lists_the_units_in_tree_order_with_the_chosen_one_selected(client, staff):
    shown = options(client.get("/file?unit=P.STP").get_data(as_text=True))
    assert shown[0] == ("", "— Tôi không rõ —", False)
    assert [value for value, _label, _selected in shown[1:]] == ["P", "P.STP", "P.XA"]
    assert ("P.STP", "— Sở Tư pháp", True) in shown
    assert [selected for _value, _label, selected in shown].count(True) == 1
    # The same options for the next visitor, with only the blank one selected.
    assert [value for value, _label, selected in options(client.get("/file").get_data(as_text=True)) if selected] == [""]


def test_a_renamed_unit_shows_at_once_in_every_process(app, client, staff, make_app):
    other = make_app().test_client()
    for pages in (client, other):
        assert "— Sở Tư pháp" in pages.get("/file").get_data(as_text=True)
        assert "Sở Tư pháp" in pages.get("/register").get_data(as_text=True)
    rename(app, "P.STP", "Sở Tư pháp và Hộ tịch")
    for pages in (client, other):
        for url in ("/file", "/register"):
            labels = [label for _value, label, _selected in options(pages.get(url).get_data(as_text=True))]
            assert any(label.endswith("Sở Tư pháp và Hộ tịch") for label in labels), url
            assert not any(label.endswith("Sở Tư pháp") for label in labels), url


def test_a_new_unit_and_a_unit_that_ended_show_at_once(app, client, staff):
    import datetime as dt

    from feedback.timeutil import local_today
    from feedback.units.services import create_unit, get_unit, update_unit

    client.get("/file")
    with app.app_context():
        create_unit("P.SYT", "Sở Y tế", "department", parent=get_unit("P"), valid_from=dt.date(2025, 7, 1))
        commune = get_unit("P.XA")
        update_unit(commune, code=commune.code, name=commune.name, kind=commune.kind, parent=commune.parent,
                    valid_from=commune.valid_from, valid_until=local_today() - dt.timedelta(days=1))
        _db.session.commit()
    values = [value for value, _label, _selected in options(client.get("/file").get_data(as_text=True))]
    assert "P.SYT" in values
    assert "P.XA" not in values  # the filing form offers current units only
    assert "P.XA" in [value for value, _label, _selected in options(client.get("/register").get_data(as_text=True))]


def test_a_unit_change_rolled_back_leaves_the_pickers_as_they_were(app, client, staff):
    from feedback.units.services import get_unit

    client.get("/file")
    with app.app_context():
        get_unit("P.STP").name = "Tên chưa lưu"
        _db.session.flush()
        _db.session.rollback()
    html = client.get("/file").get_data(as_text=True)
    assert "Tên chưa lưu" not in html and "— Sở Tư pháp" in html
