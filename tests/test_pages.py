"""Public pages and the staff sign-in, through the web as a visitor uses them."""

from __future__ import annotations

import re

from sqlalchemy import select

from feedback.auth.models import User
from tests.helpers import PASSWORD


def test_home_is_vietnamese_by_default_with_landmarks(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    for landmark in ('<header', '<main id="main"', "<footer", 'href="#main"', "<nav aria-label="):
        assert landmark in page.text
    assert "Khiếu nại, tố cáo" in page.text


def test_language_switch_is_remembered(client):
    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.text
    assert '<html lang="en">' in client.get("/units").text
    assert '<html lang="vi">' in client.get("/units?lang=vi").text


def test_assets_are_served_locally(client):
    page = client.get("/")
    links = re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', page.text)
    # Our files, and the authority's colours made from its settings.
    assert links and all(link.startswith("/static/") or link == "/brand.css" for link in links)
    for link in links:
        asset = client.get(link)
        assert asset.status_code == 200
        asset.close()
    assert "http://" not in page.text.split("<body")[0] and "https://" not in page.text.split("<body")[0]


def test_units_tree_and_unit_page(client, staff):
    page = client.get("/units")
    assert "Sở Tư pháp" in page.text and "Ủy ban nhân dân xã Cô Tô" in page.text
    assert 'class="depth-1"' in page.text
    unit = client.get("/units/P.STP")
    assert unit.status_code == 200
    assert "Nguyễn Văn Trưởng, Giám đốc" in unit.text
    assert "Ủy ban nhân dân tỉnh Thử nghiệm" in unit.text  # breadcrumb to the parent
    assert client.get("/units/NOPE").status_code == 404


def test_procedure_catalogue_search_and_pages(client, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    found = client.get("/procedures?q=khai sinh")
    assert found.status_code == 200
    assert "Đăng ký khai sinh" in found.text
    assert "Cấp giấy phép xây dựng" not in found.text
    for query in ("dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "khai   sinh hộ tịch"):
        assert "Đăng ký khai sinh" in client.get("/procedures", query_string={"q": query}).text, query
    assert "Đăng ký khai sinh" not in client.get("/procedures", query_string={"q": "khai sinh%_"}).text
    by_unit = client.get("/procedures?unit=QN.PH.HALONG")
    assert "Đăng ký khai sinh" in by_unit.text
    nothing = client.get("/procedures?q=zzzz-nothing")
    assert nothing.status_code == 200 and "<table" not in nothing.text


def test_demo_dates_and_numbers_follow_vietnamese_format(client, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    page = client.get("/units/QN.SNNMT")
    assert "01/07/2025" in page.text
    fees = client.get("/procedures?q=Phiếu lý lịch tư pháp")
    assert re.search(r"\d{1,3}\.\d{3}</td>", fees.text), "fees use dots as thousands separators in Vietnamese"
    english = client.get("/procedures?q=Phiếu lý lịch tư pháp&lang=en")
    assert re.search(r"\d{1,3},\d{3}</td>", english.text)
    # The demo province answers the SIPAS-style survey (tests/surveys/test_demo.py checks the spread).
    assert "Khảo sát sự hài lòng" in client.get("/s/sipas/QN.TTPVHCC?lang=vi").text  # English was chosen above


def test_login_logout_and_wrong_password(client, staff, app):
    wrong = client.post("/login", data={"email": "admin@example.vn", "password": "nope"})
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.text
    good = client.post("/login", data={"email": "ADMIN@example.vn", "password": PASSWORD})
    assert good.status_code == 302 and good.location.endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        from feedback.extensions import db

        assert db.session.scalar(select(User).where(User.email == "admin@example.vn")).last_login_at is not None
    assert client.post("/logout").status_code == 302
    assert client.get("/admin/").status_code == 302


def test_login_refuses_open_redirects(client, staff):
    response = client.post("/login?next=//evil.example/x", data={"email": "admin@example.vn", "password": PASSWORD})
    assert response.location.endswith("/admin/")
    response = client.post("/login?next=/units", data={"email": "head@example.vn", "password": PASSWORD})
    assert response.location.endswith("/units")


def test_disabled_account_cannot_sign_in(client, staff, app):
    with app.app_context():
        from feedback.extensions import db

        db.session.scalar(select(User).where(User.email == "officer@example.vn")).active = False
        db.session.commit()
    assert client.post("/login", data={"email": "officer@example.vn", "password": PASSWORD}).status_code == 422


def test_login_is_rate_limited(make_app, staff):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    # Eleven accounts: no account's own count of failures (feedback.throttle) refuses first.
    statuses = [client.post("/login", data={"email": f"someone{n}@example.vn", "password": "wrong"}).status_code
                for n in range(11)]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
    assert "429" in client.post("/login", data={"email": "x@y.vn", "password": "z"}).text


def test_csrf_protects_forms(make_app, staff):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    refused = client.post("/login", data={"email": "admin@example.vn", "password": PASSWORD})
    assert refused.status_code == 400
    assert "Error 400" in client.post("/login?lang=en", data={"email": "a@b.vn"}).text
    assert client.get("/admin/").status_code == 302  # not signed in
    page = client.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    assert client.post("/login", data={"email": "admin@example.vn", "password": PASSWORD, "csrf_token": token}).status_code == 302


def test_rate_limits_belong_to_each_app(make_app, staff):
    limited = make_app(RATELIMIT_ENABLED=True).test_client()
    free = make_app(RATELIMIT_ENABLED=False).test_client()
    # A new account each time: the count of failures per account (feedback.throttle) is not a rate limit.
    for n in range(10):
        limited.post("/login", data={"email": f"limited{n}@example.vn", "password": "wrong"})
    assert limited.post("/login", data={"email": "limited10@example.vn", "password": "wrong"}).status_code == 429
    assert all(free.post("/login", data={"email": f"free{n}@example.vn", "password": "wrong"}).status_code == 422
               for n in range(12))
