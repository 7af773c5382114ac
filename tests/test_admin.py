"""Admin screens through the web: units, accounts, procedures, imports; only for administrators."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from feedback.auth.models import User
from feedback.procedures.models import Procedure
from feedback.units.models import Unit


@pytest.fixture
def admin(client, auth, staff):
    assert auth.login().status_code == 302
    return client


def count(app, model):
    with app.app_context():
        from feedback.extensions import db

        return db.session.scalar(select(func.count()).select_from(model))


def get_unit(app, code):
    with app.app_context():
        from feedback.extensions import db

        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        return unit and {"code": unit.code, "parent": unit.parent.code if unit.parent else None,
                         "valid_until": unit.valid_until, "successor": unit.successor.code if unit.successor else None}


@pytest.mark.parametrize("email", ["head@example.vn", "officer@example.vn"])
def test_admin_screens_are_for_administrators_only(client, auth, staff, email):
    assert client.get("/admin/units").status_code == 302  # signed out: to the sign-in page
    auth.login(email)
    assert client.get("/admin/units").status_code == 403
    assert client.post("/admin/units/new", data={"code": "X", "name": "X"}).status_code == 403


def test_every_admin_screen_renders(admin):
    for url in ("/admin/", "/admin/units", "/admin/units/new", "/admin/units/P.STP/edit", "/admin/units/merge",
                "/admin/units/import", "/admin/users", "/admin/users/new", "/admin/procedures",
                "/admin/procedures/new", "/admin/procedures/import"):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert "<h1>" in response.text


def test_create_unit_and_refuse_duplicate_code_at_the_field(admin, app):
    data = {"code": "P.SXD", "name": "Sở Xây dựng", "kind": "department", "parent": "P", "valid_from": "2025-07-01"}
    assert admin.post("/admin/units/new", data=data).status_code == 302
    assert get_unit(app, "P.SXD")["parent"] == "P"
    again = admin.post("/admin/units/new", data={**data, "name": "Another"})
    assert again.status_code == 422
    assert 'id="code-error"' in again.text and 'aria-describedby="code-error"' in again.text
    assert count(app, Unit) == 4


def test_edit_unit_refuses_a_cycle(admin, app):
    response = admin.post("/admin/units/P/edit", data={"code": "P", "name": "Tỉnh", "kind": "province",
                                                       "parent": "P.STP", "valid_from": "2025-07-01"})
    assert response.status_code == 422
    assert 'id="parent-error"' in response.text
    assert get_unit(app, "P")["parent"] is None


def test_edit_unit_with_end_before_start_is_refused(admin, app):
    response = admin.post("/admin/units/P.XA/edit", data={"code": "P.XA", "name": "Xã", "kind": "commune", "parent": "P",
                                                          "valid_from": "2025-07-01", "valid_until": "2025-01-01"})
    assert response.status_code == 422
    assert get_unit(app, "P.XA")["valid_until"] is None


def test_the_unit_form_sets_what_documents_say(admin, app):
    data = {"code": "P.XA", "name": "Ủy ban nhân dân xã Cô Tô", "kind": "commune", "parent": "P",
            "valid_from": "2025-07-01"}
    bad = admin.post("/admin/units/P.XA/edit", data={**data, "abbreviation": "UB ND!", "locality": "Cô Tô"})
    assert bad.status_code == 422
    assert 'id="abbreviation-error"' in bad.text
    with app.app_context():
        unit = Unit.query.filter_by(code="P.XA").one()
        assert (unit.abbreviation, unit.locality) == ("", "")
        assert (unit.document_abbreviation, unit.document_place) == ("UBND", "Cô Tô")
    assert admin.post("/admin/units/P.XA/edit", data={**data, "abbreviation": "ubnd-ct", "locality": "Đặc khu Cô Tô"}
                      ).status_code == 302
    with app.app_context():
        unit = Unit.query.filter_by(code="P.XA").one()
        assert (unit.document_abbreviation, unit.document_place) == ("UBND-CT", "Đặc khu Cô Tô")
    assert 'value="UBND-CT"' in admin.get("/admin/units/P.XA/edit").text


def test_merge_units_through_the_form(admin, app):
    response = admin.post("/admin/units/merge", data={"sources": ["P.XA"], "successor": "P.STP", "on": "2026-01-01"})
    assert response.status_code == 302
    merged = get_unit(app, "P.XA")
    assert merged["successor"] == "P.STP"
    assert merged["valid_until"].isoformat() == "2025-12-31"
    refused = admin.post("/admin/units/merge", data={"sources": ["P.STP"], "successor": "P.STP", "on": "2026-01-01"})
    assert refused.status_code == 422


def test_import_units_by_upload_all_or_nothing(admin, app):
    good = "code,name,kind,parent_code\nP.SYT,Sở Y tế,department,P\nP.SYT.CC,Chi cục Dân số,sub_department,P.SYT\n"
    response = admin.post("/admin/units/import", data={"file": (io.BytesIO(good.encode()), "units.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 302
    assert get_unit(app, "P.SYT.CC")["parent"] == "P.SYT"
    bad = "code,name,kind,parent_code\nP.A,Đơn vị A,department,P\nP.B,,department,P.NOPE\n"
    response = admin.post("/admin/units/import", data={"file": (io.BytesIO(bad.encode()), "units.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 422
    assert "3" in response.text and "parent_code" in response.text and "name" in response.text
    assert get_unit(app, "P.A") is None
    assert admin.get("/admin/units/import").text.count('enctype="multipart/form-data"') == 1


def test_create_and_edit_account(admin, app):
    response = admin.post("/admin/users/new", data={"email": "new.head@example.vn", "name": "Phạm Thị Mới",
                                                   "title": "Chủ tịch", "role": "head", "unit": "P.XA",
                                                   "password": "a long enough password", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        from feedback.extensions import db

        user = db.session.scalar(select(User).where(User.email == "new.head@example.vn"))
        assert user.unit.code == "P.XA" and user.unit.head_id == user.id
        user_id = user.id
    short = admin.post(f"/admin/users/{user_id}/edit", data={"email": "new.head@example.vn", "role": "head",
                                                            "unit": "P.XA", "password": "short"})
    assert short.status_code == 422 and 'id="password-error"' in short.text
    disable = admin.post(f"/admin/users/{user_id}/edit", data={"email": "new.head@example.vn", "role": "officer",
                                                              "unit": "P.XA", "name": "Phạm Thị Mới"})
    assert disable.status_code == 302
    with app.app_context():
        from feedback.extensions import db

        user = db.session.get(User, user_id)
        assert user.active is False and user.role == "officer"


def test_new_account_needs_valid_fields(admin, app):
    before = count(app, User)
    response = admin.post("/admin/users/new", data={"email": "not-an-email", "role": "officer", "unit": "",
                                                   "password": "x"})
    assert response.status_code == 422
    assert 'id="email-error"' in response.text
    response = admin.post("/admin/users/new", data={"email": "o2@example.vn", "role": "officer", "unit": "",
                                                   "password": "a long enough password"})
    assert response.status_code == 422 and 'id="unit-error"' in response.text
    assert count(app, User) == before


def test_procedure_form_and_search(admin, app):
    data = {"code": "1.000001.000.00.00.H99", "name": "Cấp Phiếu lý lịch tư pháp", "field": "Lý lịch tư pháp",
            "unit": "P.STP", "processing_days": "10", "fee": "200000", "online_level": "4", "postal_return": "y"}
    assert admin.post("/admin/procedures/new", data=data).status_code == 302
    bad = admin.post("/admin/procedures/new", data={**data, "code": "2.X", "processing_days": "ten", "unit": ""})
    assert bad.status_code == 422
    assert 'id="processing_days-error"' in bad.text
    assert count(app, Procedure) == 1
    edit = admin.post("/admin/procedures/1.000001.000.00.00.H99/edit", data={**data, "processing_days": "7"})
    assert edit.status_code == 302
    listing = admin.get("/admin/procedures?q=lý lịch")
    assert "1.000001.000.00.00.H99" in listing.text
    assert "1.000001.000.00.00.H99" not in admin.get("/admin/procedures?q=xây dựng").text


def test_import_procedures_by_upload_reports_bad_numbers(admin, app):
    bad = ("code,name,field,unit_code,processing_days,fee\n"
           "1.1,Chứng thực bản sao,Chứng thực,P.STP,1,2000\n"
           "1.2,Đăng ký khai sinh,Hộ tịch,P.XA,abc,\n")
    response = admin.post("/admin/procedures/import", data={"file": (io.BytesIO(bad.encode()), "p.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 422
    assert "processing_days" in response.text and "abc" in response.text
    assert count(app, Procedure) == 0
