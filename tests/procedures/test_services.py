"""The procedure catalogue: saving one entry, searching, and importing a CSV file."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from feedback.errors import Conflict, Invalid
from feedback.procedures.models import Procedure
from feedback.procedures.services import import_procedures, save_procedure, search_procedures
from feedback.units.services import create_unit, get_unit

HEADER = "code,name,field,unit_code,processing_days,fee,online_level,postal_return\n"
GOOD = HEADER + (
    "1.001193.000.00.00.H46,Đăng ký khai sinh,Hộ tịch,QN.PH.HALONG,0,,4,có\n"
    "1.000894.000.00.00.H46,Đăng ký kết hôn,Hộ tịch,QN.PH.HALONG,3,,3,không\n"
    '2.002156.000.00.00.H46,\"Cấp giấy phép xây dựng, sửa chữa nhà ở riêng lẻ\",Xây dựng,QN.SXD,15,75.000,4,yes\n'
)


@pytest.fixture
def units(db):
    province = create_unit("QN", "Ủy ban nhân dân tỉnh Quảng Ninh", "province")
    create_unit("QN.SXD", "Sở Xây dựng tỉnh Quảng Ninh", "department", parent=province)
    create_unit("QN.PH.HALONG", "Ủy ban nhân dân phường Hạ Long", "commune", parent=province)
    db.session.commit()


def count_procedures(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Procedure))


def catalogue(db) -> dict:
    db.session.expire_all()
    return {p.code: (p.name, p.field, p.unit.code, p.processing_days, p.fee, p.online_level, p.postal_return)
            for p in db.session.scalars(select(Procedure))}


def has_row_error(exc: Invalid, row: int, column: str, *values: str) -> bool:
    for message in exc.fields.get("rows", []):
        if re.search(rf"(?<!\d){row}(?!\d)", message) and column in message and all(v in message for v in values):
            return True
    return False


def test_import_procedures_stores_a_good_file(db, units):
    assert import_procedures(GOOD) == (3, 0)
    db.session.commit()

    assert catalogue(db) == {
        "1.001193.000.00.00.H46": ("Đăng ký khai sinh", "Hộ tịch", "QN.PH.HALONG", 0, None, 4, True),
        "1.000894.000.00.00.H46": ("Đăng ký kết hôn", "Hộ tịch", "QN.PH.HALONG", 3, None, 3, False),
        "2.002156.000.00.00.H46": ("Cấp giấy phép xây dựng, sửa chữa nhà ở riêng lẻ", "Xây dựng", "QN.SXD",
                                   15, 75000, 4, True),
    }


def test_import_procedures_without_optional_columns(db, units):
    data = "code,name,field,unit_code,processing_days\nQN-01,Chứng thực bản sao từ bản chính,Chứng thực,QN.PH.HALONG,1\n"
    assert import_procedures(data) == (1, 0)
    assert catalogue(db)["QN-01"] == ("Chứng thực bản sao từ bản chính", "Chứng thực", "QN.PH.HALONG", 1, None, None, False)


@pytest.mark.parametrize("fee, expected", [("1.000.000", 1_000_000), ("1 500 000", 1_500_000), ("0", 0), ("", None)])
def test_import_procedures_reads_fees_with_thousands_separators(db, units, fee, expected):
    data = HEADER + f"QN-02,Cấp giấy phép kinh doanh,Thương mại,QN.SXD,10,{fee},3,không\n"
    assert import_procedures(data) == (1, 0)
    assert catalogue(db)["QN-02"][4] == expected


def test_import_procedures_updates_existing_codes(db, units):
    import_procedures(GOOD)
    db.session.commit()

    again = HEADER + (
        "1.000894.000.00.00.H46,Đăng ký kết hôn có yếu tố nước ngoài,Hộ tịch,QN.SXD,10,1.000.000,4,có\n"
        "1.009999.000.00.00.H46,Đăng ký khai tử,Hộ tịch,QN.PH.HALONG,1,,,\n"
    )
    assert import_procedures(again) == (1, 1)
    db.session.commit()

    stored = catalogue(db)
    assert len(stored) == 4
    assert stored["1.000894.000.00.00.H46"] == (
        "Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch", "QN.SXD", 10, 1_000_000, 4, True)
    assert stored["1.001193.000.00.00.H46"][0] == "Đăng ký khai sinh"  # not in the file: untouched
    assert stored["1.009999.000.00.00.H46"][5:] == (None, False)


def test_import_procedures_reads_semicolons_and_a_utf8_bom(db, units):
    text = "\ufeffcode;name;field;unit_code;processing_days;fee\nQN-03;Cấp bản sao trích lục hộ tịch;Hộ tịch;QN.PH.HALONG;1;8.000\n"
    assert import_procedures(text.encode("utf-8")) == (1, 0)
    assert catalogue(db)["QN-03"][:5] == ("Cấp bản sao trích lục hộ tịch", "Hộ tịch", "QN.PH.HALONG", 1, 8000)


BAD_FILES = {
    "processing_days not a number": ("QN-10,Đăng ký khai sinh,Hộ tịch,QN.PH.HALONG,abc,,,\n", 2, "processing_days", ("abc",)),
    "processing_days empty": ("QN-10,Đăng ký khai sinh,Hộ tịch,QN.PH.HALONG,,,,\n", 2, "processing_days", ()),
    "negative fee": ("QN-10,Đăng ký khai sinh,Hộ tịch,QN.PH.HALONG,3,-50.000,,\n", 2, "fee", ()),
    "online_level 5": ("QN-10,Đăng ký khai sinh,Hộ tịch,QN.PH.HALONG,3,,5,\n", 2, "online_level", ()),
    "postal_return maybe": ("QN-10,Đăng ký khai sinh,Hộ tịch,QN.PH.HALONG,3,,4,maybe\n", 2, "postal_return", ("maybe",)),
    "unknown unit_code": ("QN-10,Đăng ký khai sinh,Hộ tịch,QN.PH.HALONG,3,,4,có\n"
                          "QN-11,Đăng ký kết hôn,Hộ tịch,QN.PH.COTO,3,,4,có\n", 3, "unit_code", ("QN.PH.COTO",)),
    "duplicate code": ("QN-10,Đăng ký khai sinh,Hộ tịch,QN.PH.HALONG,3,,4,có\n"
                       "QN-11,Đăng ký kết hôn,Hộ tịch,QN.PH.HALONG,3,,4,có\n"
                       "QN-10,Đăng ký khai sinh (lần hai),Hộ tịch,QN.PH.HALONG,3,,4,có\n", 4, "code", ("QN-10",)),
    "empty name": ("QN-10,,Hộ tịch,QN.PH.HALONG,3,,4,có\n", 2, "name", ()),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_import_procedures_refuses_a_bad_row_and_stores_nothing(db, units, case):
    body, row, column, values = BAD_FILES[case]
    import_procedures(GOOD)
    db.session.commit()
    before = catalogue(db)

    # The good rows of the file, changed, come first: none of them may be stored either.
    changed = GOOD.replace("Đăng ký khai sinh,Hộ tịch", "Tên đã đổi,Hộ tịch")
    with pytest.raises(Invalid) as caught:
        import_procedures(changed + body)
    assert has_row_error(caught.value, row + 3, column, *values), caught.value.fields
    db.session.rollback()

    assert catalogue(db) == before


def test_import_procedures_refuses_a_missing_column(db, units):
    with pytest.raises(Invalid) as caught:
        import_procedures("code,name,field,unit_code\nQN-10,Đăng ký khai sinh,Hộ tịch,QN.PH.HALONG\n")
    assert "processing_days" in str(caught.value.message)
    db.session.rollback()
    assert count_procedures(db) == 0


def test_import_procedures_reports_every_bad_cell(db, units):
    data = HEADER + (
        "QN-10,Đăng ký khai sinh,Hộ tịch,QN.PH.HALONG,abc,-1,5,maybe\n"
        "QN-11,Đăng ký kết hôn,Hộ tịch,QN.PH.HALONG,3,,4,có\n"
    )
    with pytest.raises(Invalid) as caught:
        import_procedures(data)
    for column in ("processing_days", "fee", "online_level", "postal_return"):
        assert has_row_error(caught.value, 2, column), (column, caught.value.fields)
    assert len(caught.value.fields["rows"]) == 4
    db.session.rollback()
    assert count_procedures(db) == 0


# --- one entry at a time ----------------------------------------------------------------------


def _save(procedure=None, **changes):
    values = dict(code="QN-20", name="Đăng ký thường trú", field="Cư trú", unit=get_unit("QN.PH.HALONG"),
                  processing_days=7, fee=None, online_level=4, postal_return=True)
    values.update(changes)
    return save_procedure(procedure, **values)


def test_save_procedure_creates_and_updates(db, units):
    procedure = _save(code=" QN-20 ", name=" Đăng ký thường trú ")
    db.session.commit()
    assert catalogue(db) == {"QN-20": ("Đăng ký thường trú", "Cư trú", "QN.PH.HALONG", 7, None, 4, True)}

    _save(procedure, fee=20_000, unit=get_unit("QN.SXD"), online_level=None)
    db.session.commit()
    assert catalogue(db) == {"QN-20": ("Đăng ký thường trú", "Cư trú", "QN.SXD", 7, 20_000, None, True)}


@pytest.mark.parametrize("changes, field", [
    ({"code": ""}, "code"),
    ({"name": "  "}, "name"),
    ({"unit": None}, "unit"),
    ({"processing_days": -1}, "processing_days"),
    ({"processing_days": None}, "processing_days"),
    ({"fee": -1}, "fee"),
    ({"online_level": 5}, "online_level"),
])
def test_save_procedure_refuses_bad_values(db, units, changes, field):
    with pytest.raises(Invalid) as caught:
        _save(**changes)
    assert set(caught.value.fields) == {field}
    db.session.rollback()
    assert count_procedures(db) == 0


def test_save_procedure_refuses_a_taken_code(db, units):
    _save()
    other = _save(code="QN-21", name="Đăng ký tạm trú")
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        _save(other, code="QN-20")
    assert "code" in caught.value.fields
    db.session.rollback()
    assert sorted(catalogue(db)) == ["QN-20", "QN-21"]


def test_search_procedures_by_text_unit_and_page(db, units):
    import_procedures(GOOD)
    db.session.commit()

    assert [p.code for p in search_procedures("hộ tịch")] == ["1.000894.000.00.00.H46", "1.001193.000.00.00.H46"]
    assert len(search_procedures("h46")) == 3  # codes match whatever the case
    assert [p.code for p in search_procedures("kết hôn")] == ["1.000894.000.00.00.H46"]
    assert [p.code for p in search_procedures(unit=get_unit("QN.SXD"))] == ["2.002156.000.00.00.H46"]
    first = search_procedures(limit=2)
    assert [p.code for p in first] == ["1.000894.000.00.00.H46", "1.001193.000.00.00.H46"]
    assert [p.code for p in search_procedures(after=first[-1].code, limit=2)] == ["2.002156.000.00.00.H46"]
