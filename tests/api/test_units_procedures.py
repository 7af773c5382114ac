"""GET/POST /api/v1/units and GET /api/v1/procedures."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import func, select

from feedback.timeutil import local_today
from tests.helpers import bearer

UNIT_KEYS = {"code", "name", "kind", "parent", "valid_from", "valid_until", "successor"}
PROCEDURE_KEYS = {"code", "name", "field", "unit", "processing_days", "fee", "online_level", "postal_return"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"].strip()
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code
    return error


def unit_codes(client, **params) -> list[str]:
    response = client.get("/api/v1/units", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [unit["code"] for unit in response.get_json()["items"]]


def unit_count(app) -> int:
    from feedback.extensions import db
    from feedback.units.models import Unit

    with app.app_context():
        return db.session.scalar(select(func.count(Unit.id)))


# --- units -------------------------------------------------------------------------------------

@pytest.fixture
def history(app, staff):
    """A second province whose district was merged into a commune on 1 July 2025."""
    from feedback.extensions import db
    from feedback.units.models import Unit

    with app.app_context():
        q = Unit(code="Q", name="Ủy ban nhân dân tỉnh Cũ", kind="province", valid_from=dt.date(2000, 1, 1))
        xa = Unit(code="Q.XA", name="Ủy ban nhân dân xã Mới", kind="commune", parent=q, valid_from=dt.date(2025, 7, 1))
        huyen = Unit(code="Q.HUYEN", name="Ủy ban nhân dân huyện Cũ", kind="district", parent=q,
                     valid_from=dt.date(2000, 1, 1), valid_until=dt.date(2025, 6, 30), successor=xa)
        future = Unit(code="Q.TUONGLAI", name="Trung tâm sắp lập", kind="service_centre", parent=q,
                      valid_from=dt.date(2999, 1, 1))
        db.session.add_all([q, xa, huyen, future])
        db.session.commit()
    return staff


def staff_unit_dates(app) -> dict[str, tuple[dt.date, dt.date | None]]:
    """The dates of the shared `staff` units (P, P.STP, P.XA), whatever that fixture chooses."""
    from feedback.extensions import db
    from feedback.units.models import Unit

    with app.app_context():
        rows = db.session.execute(select(Unit.code, Unit.valid_from, Unit.valid_until).where(Unit.code.like("P%")))
        return {code: (start, end) for code, start, end in rows}


def staff_units_on(app, day: dt.date) -> list[str]:
    return [code for code, (start, end) in staff_unit_dates(app).items() if start <= day and (end is None or day <= end)]


def test_units_lists_every_unit_in_code_order_with_its_dates(app, client, history):
    response = client.get("/api/v1/units")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    items = response.get_json()["items"]
    codes = [unit["code"] for unit in items]
    assert codes == sorted(["P", "P.STP", "P.XA", "Q", "Q.HUYEN", "Q.TUONGLAI", "Q.XA"])
    assert all(set(unit) == UNIT_KEYS for unit in items)
    by_code = {unit["code"]: unit for unit in items}
    assert by_code["Q.HUYEN"] == {
        "code": "Q.HUYEN", "name": "Ủy ban nhân dân huyện Cũ", "kind": "district", "parent": "Q",
        "valid_from": "2000-01-01", "valid_until": "2025-06-30", "successor": "Q.XA",
    }
    assert by_code["Q"]["parent"] is None
    assert by_code["Q"]["valid_until"] is None and by_code["Q"]["successor"] is None
    assert by_code["P.STP"] == {
        "code": "P.STP", "name": "Sở Tư pháp", "kind": "department", "parent": "P",
        "valid_from": staff_unit_dates(app)["P.STP"][0].isoformat(), "valid_until": None, "successor": None,
    }


@pytest.mark.parametrize("day, expected", [
    ("1999-12-31", []),
    ("2000-01-01", ["Q", "Q.HUYEN"]),
    ("2025-06-30", ["Q", "Q.HUYEN"]),
    ("2025-07-01", ["Q", "Q.XA"]),
    ("2999-01-01", ["Q", "Q.TUONGLAI", "Q.XA"]),
])
def test_units_on_a_day_are_those_that_exist_that_day(app, client, history, day, expected):
    """Both ends of a unit's dates are days on which it exists."""
    staff_codes = staff_units_on(app, dt.date.fromisoformat(day))
    assert unit_codes(client, on=day) == sorted(expected + staff_codes)


def test_units_on_today(app, client, history):
    today = local_today()
    assert unit_codes(client, on=today.isoformat()) == sorted(["Q", "Q.XA"] + staff_units_on(app, today))


def test_units_created_without_dates_exist_from_today(client, staff):
    created = client.post("/api/v1/units", headers=bearer(client), json={"code": "R", "name": "R"})
    assert created.status_code == 201
    today = local_today()
    assert "R" in unit_codes(client, on=today.isoformat())
    assert "R" not in unit_codes(client, on=(today - dt.timedelta(days=1)).isoformat())


@pytest.mark.parametrize("day", ["garbage", "2025-02-30", "30/06/2025", ""])
def test_units_on_an_invalid_day_is_refused(client, history, day):
    error = assert_error(client.get("/api/v1/units", query_string={"on": day}), 422, "invalid")
    assert set(error["fields"]) == {"on"}


def test_admin_creates_a_unit(app, client, history):
    response = client.post("/api/v1/units", headers=bearer(client), json={
        "code": "P.STC", "name": "Sở Tài chính", "kind": "department", "parent": "P",
        "valid_from": "2025-07-01", "valid_until": "2030-12-31",
    })
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "code": "P.STC", "name": "Sở Tài chính", "kind": "department", "parent": "P",
        "valid_from": "2025-07-01", "valid_until": "2030-12-31", "successor": None,
    }
    listed = {unit["code"]: unit for unit in client.get("/api/v1/units").get_json()["items"]}
    assert listed["P.STC"] == response.get_json()
    assert "P.STC" in unit_codes(client, on="2025-07-01")


def test_a_created_unit_defaults_to_a_root_of_kind_other_from_today(client, staff):
    response = client.post("/api/v1/units", headers=bearer(client), json={"code": "R", "name": "  Đơn vị gốc  "})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json() == {"code": "R", "name": "Đơn vị gốc", "kind": "other", "parent": None,
                                   "valid_from": local_today().isoformat(), "valid_until": None, "successor": None}


@pytest.mark.parametrize("email", ["head@example.vn", "officer@example.vn"])
def test_heads_and_officers_cannot_create_units(app, client, staff, email):
    before = unit_count(app)
    response = client.post("/api/v1/units", headers=bearer(client, email), json={"code": "P.X", "name": "X"})
    assert_error(response, 403, "forbidden")
    assert unit_count(app) == before


def test_a_duplicate_code_is_a_conflict(app, client, staff):
    before = unit_count(app)
    response = client.post("/api/v1/units", headers=bearer(client), json={"code": "P.STP", "name": "Sở khác"})
    error = assert_error(response, 409, "conflict")
    assert set(error["fields"]) == {"code"}
    assert unit_count(app) == before
    names = {unit["code"]: unit["name"] for unit in client.get("/api/v1/units").get_json()["items"]}
    assert names["P.STP"] == "Sở Tư pháp"


def test_an_unknown_parent_is_refused(app, client, staff):
    before = unit_count(app)
    response = client.post("/api/v1/units", headers=bearer(client), json={"code": "P.X", "name": "X", "parent": "NOPE"})
    error = assert_error(response, 422, "invalid")
    assert set(error["fields"]) == {"parent"}
    assert "NOPE" in error["message"]
    assert unit_count(app) == before


@pytest.mark.parametrize("body, field", [
    ({"name": "Không mã"}, "code"),
    ({"code": "P.X"}, "name"),
    ({"code": "", "name": "X"}, "code"),
    ({"code": "x" * 33, "name": "X"}, "code"),
    ({"code": "có dấu", "name": "X"}, "code"),
    ({"code": "P.X", "name": "   "}, "name"),
    ({"code": "P.X", "name": "X", "kind": "kingdom"}, "kind"),
    ({"code": "P.X", "name": "X", "valid_from": "2025-07-01", "valid_until": "2025-06-30"}, "valid_until"),
    ({"code": "P.X", "name": "X", "valid_from": "tomorrow"}, "valid_from"),
    ({"code": "P.X", "name": "X", "colour": "red"}, "colour"),
])
def test_invalid_unit_fields_are_named(app, client, staff, body, field):
    before = unit_count(app)
    error = assert_error(client.post("/api/v1/units", headers=bearer(client), json=body), 422, "invalid")
    assert field in error["fields"]
    assert unit_count(app) == before


def test_creating_a_unit_without_a_token_is_unauthorized(app, client, staff):
    before = unit_count(app)
    response = client.post("/api/v1/units", json={"code": "P.X", "name": "X"})
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert unit_count(app) == before


# --- procedures --------------------------------------------------------------------------------

CATALOGUE = [
    # code, name, field, unit, fee
    ("1.000010", "Đăng ký khai sinh", "Hộ tịch", "P.XA", None),
    ("2.000100", "Cấp phiếu lý lịch tư pháp", "Lý lịch tư pháp", "P.STP", 200000),
    ("1.000002", "Chứng thực bản sao từ bản chính", "Chứng thực", "P.XA", 2000),
    ("1.000300", "Đăng ký kết hôn", "Hộ tịch", "P.XA", None),
    ("3.000001", "Thành lập doanh nghiệp tư nhân", "Thành lập và phát triển doanh nghiệp", "P", 50000),
    ("2.000005", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", "P.STP", 8000),
    ("1.000001", "Đăng ký khai tử", "Hộ tịch", "P.XA", None),
    ("2.000200", "Cấp chứng chỉ hành nghề luật sư", "Luật sư", "P.STP", 500000),
]
ALL_CODES = sorted(row[0] for row in CATALOGUE)


@pytest.fixture
def catalogue(app, staff):
    from feedback.extensions import db
    from feedback.procedures.services import save_procedure
    from feedback.units.services import get_unit

    with app.app_context():
        for number, (code, name, field, unit, fee) in enumerate(CATALOGUE):
            save_procedure(None, code=code, name=name, field=field, unit=get_unit(unit), processing_days=number,
                           fee=fee, online_level=(2, 3, 4, None)[number % 4], postal_return=number % 2 == 0)
        db.session.commit()
    return staff


def procedure_page(client, **params) -> dict:
    response = client.get("/api/v1/procedures", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def walk(client, limit: int, **params) -> list[list[str]]:
    """Follow `next` from the first page to the last; the codes of each page."""
    pages, after = [], None
    while True:
        query = {**params, "limit": limit}
        if after is not None:
            query["after"] = after
        page = procedure_page(client, **query)
        codes = [item["code"] for item in page["items"]]
        pages.append(codes)
        assert len(codes) <= limit
        if page["next"] is None:
            return pages
        assert page["next"] == codes[-1]
        assert len(codes) == limit
        after = page["next"]
        assert len(pages) <= len(CATALOGUE) + 1, "pagination does not end"


def test_procedures_default_page_lists_everything_in_code_order(client, catalogue):
    page = procedure_page(client)
    assert set(page) == {"items", "next"}
    assert [item["code"] for item in page["items"]] == ALL_CODES
    assert page["next"] is None
    assert all(set(item) == PROCEDURE_KEYS for item in page["items"])
    by_code = {item["code"]: item for item in page["items"]}
    assert by_code["2.000100"] == {
        "code": "2.000100", "name": "Cấp phiếu lý lịch tư pháp", "field": "Lý lịch tư pháp", "unit": "P.STP",
        "processing_days": 1, "fee": 200000, "online_level": 3, "postal_return": False,
    }
    assert by_code["1.000010"]["fee"] is None
    assert by_code["1.000010"]["postal_return"] is True
    assert by_code["1.000300"]["online_level"] is None


def test_procedures_of_one_unit(client, catalogue):
    for unit in ("P.STP", "P.XA", "P"):
        codes = [item["code"] for item in procedure_page(client, unit=unit)["items"]]
        assert codes == sorted(row[0] for row in CATALOGUE if row[3] == unit)
    # The unit itself, not its sub-units; a unit without procedures has an empty page.
    assert procedure_page(client, unit="P.XA")["items"][0]["unit"] == "P.XA"


def test_procedures_of_a_unit_without_any(client, catalogue, history):
    assert procedure_page(client, unit="Q") == {"items": [], "next": None}


@pytest.mark.parametrize("unit", ["NOPE", "p.stp"])
def test_procedures_of_an_unknown_unit_are_refused(client, catalogue, unit):
    error = assert_error(client.get("/api/v1/procedures", query_string={"unit": unit}), 422, "invalid")
    assert set(error["fields"]) == {"unit"}


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 7, 8, 9, 200])
def test_keyset_pagination_walks_every_row_once_in_code_order(client, catalogue, limit):
    pages = walk(client, limit)
    assert [code for page in pages for code in page] == ALL_CODES
    assert len(pages) == max(1, math.ceil(len(ALL_CODES) / limit))
    assert all(pages)  # no empty trailing page, even when the rows fill the last page exactly


def test_pagination_combines_with_unit_and_words(client, catalogue):
    assert walk(client, 2, unit="P.STP") == [["2.000005", "2.000100"], ["2.000200"]]
    assert walk(client, 2, q="hộ tịch") == [["1.000001", "1.000010"], ["1.000300", "2.000005"]]
    assert walk(client, 1, q="hộ tịch", unit="P.STP") == [["2.000005"]]


def test_after_the_last_code_gives_an_empty_last_page(client, catalogue):
    assert procedure_page(client, after=ALL_CODES[-1]) == {"items": [], "next": None}
    assert [item["code"] for item in procedure_page(client, after="1.5")["items"]] == [
        code for code in ALL_CODES if code > "1.5"]


@pytest.mark.parametrize("limit", ["0", "500", "-1", "201", "ten", "2.5"])
def test_limit_outside_1_to_200_is_refused(client, catalogue, limit):
    error = assert_error(client.get("/api/v1/procedures", query_string={"limit": limit}), 422, "invalid")
    assert set(error["fields"]) == {"limit"}


def test_default_limit_is_50(app, client, staff):
    from feedback.extensions import db
    from feedback.procedures.services import save_procedure
    from feedback.units.services import get_unit

    with app.app_context():
        unit = get_unit("P.STP")
        for number in range(51):
            save_procedure(None, code=f"9.{number:06d}", name=f"Thủ tục {number}", field="", unit=unit,
                           processing_days=1, fee=None, online_level=None, postal_return=False)
        db.session.commit()
    page = procedure_page(client)
    assert len(page["items"]) == 50
    assert page["next"] == "9.000049"
    assert [item["code"] for item in procedure_page(client, after=page["next"])["items"]] == ["9.000050"]


@pytest.mark.parametrize("q, expected", [
    ("khai", ["1.000001", "1.000010"]),                      # name
    ("KHAI SINH", ["1.000010"]),                             # name, whatever the case
    ("lý lịch", ["2.000100"]),                               # name and field
    ("luật sư", ["2.000200"]),                               # field and name
    ("phát triển", ["3.000001"]),                            # field only
    ("2.0001", ["2.000100"]),                                # code
    ("hộ tịch", ["1.000001", "1.000010", "1.000300", "2.000005"]),  # field, and a name
    ("không có thủ tục này", []),
])
def test_words_search_name_code_and_field(client, catalogue, q, expected):
    page = procedure_page(client, q=q)
    assert [item["code"] for item in page["items"]] == expected
    assert page["next"] is None


def test_words_longer_than_200_characters_are_refused(client, catalogue):
    error = assert_error(client.get("/api/v1/procedures", query_string={"q": "x" * 201}), 422, "invalid")
    assert set(error["fields"]) == {"q"}
