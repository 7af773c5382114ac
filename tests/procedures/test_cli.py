"""`flask procedures import`."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.procedures.models import Procedure
from feedback.units.services import create_unit

HEADER = "code,name,field,unit_code,processing_days,fee,online_level,postal_return\n"
GOOD = HEADER + (
    "1.001193.000.00.00.H46,Đăng ký khai sinh,Hộ tịch,QN.PH.HALONG,0,,4,có\n"
    "2.002156.000.00.00.H46,Cấp giấy phép xây dựng,Xây dựng,QN.SXD,15,1.000.000,3,không\n"
)


@pytest.fixture
def units(app):
    with app.app_context():
        province = create_unit("QN", "Ủy ban nhân dân tỉnh Quảng Ninh", "province")
        create_unit("QN.SXD", "Sở Xây dựng tỉnh Quảng Ninh", "department", parent=province)
        create_unit("QN.PH.HALONG", "Ủy ban nhân dân phường Hạ Long", "commune", parent=province)
        db.session.commit()


def catalogue(app) -> dict:
    with app.app_context():
        return {p.code: (p.name, p.unit.code, p.processing_days, p.fee, p.online_level, p.postal_return)
                for p in db.session.scalars(select(Procedure))}


def write(tmp_path, text: str, name="thu-tuc.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def has_line(output: str, row: int, column: str, *values: str) -> bool:
    return any(
        re.search(rf"(?<!\d){row}(?!\d)", line) and column in line and all(v in line for v in values)
        for line in output.splitlines()
    )


def test_import_creates_then_updates(app, runner, units, tmp_path):
    result = runner.invoke(args=["procedures", "import", write(tmp_path, GOOD)])
    assert result.exit_code == 0, result.output
    assert re.search(r"\b2\b\D+\b0\b", result.output), result.output  # 2 created, 0 updated
    assert catalogue(app) == {
        "1.001193.000.00.00.H46": ("Đăng ký khai sinh", "QN.PH.HALONG", 0, None, 4, True),
        "2.002156.000.00.00.H46": ("Cấp giấy phép xây dựng", "QN.SXD", 15, 1_000_000, 3, False),
    }

    again = GOOD.replace("Cấp giấy phép xây dựng,Xây dựng,QN.SXD,15,1.000.000", "Cấp giấy phép xây dựng nhà ở,Xây dựng,QN.SXD,20,2.500.000")
    result = runner.invoke(args=["procedures", "import", write(tmp_path, again, "lan-hai.csv")])
    assert result.exit_code == 0, result.output
    assert re.search(r"\b0\b\D+\b2\b", result.output), result.output  # 0 created, 2 updated
    assert catalogue(app)["2.002156.000.00.00.H46"] == ("Cấp giấy phép xây dựng nhà ở", "QN.SXD", 20, 2_500_000, 3, False)


@pytest.mark.parametrize("line, column, values", [
    ("QN-10,Đăng ký khai tử,Hộ tịch,QN.PH.HALONG,abc,,,", "processing_days", ("abc",)),
    ("QN-10,Đăng ký khai tử,Hộ tịch,QN.PH.HALONG,3,-5.000,,", "fee", ()),
    ("QN-10,Đăng ký khai tử,Hộ tịch,QN.PH.HALONG,3,,5,", "online_level", ()),
    ("QN-10,Đăng ký khai tử,Hộ tịch,QN.PH.HALONG,3,,4,maybe", "postal_return", ("maybe",)),
    ("QN-10,Đăng ký khai tử,Hộ tịch,QN.PH.COTO,3,,4,có", "unit_code", ("QN.PH.COTO",)),
    ("1.001193.000.00.00.H46,Đăng ký khai sinh (lần hai),Hộ tịch,QN.PH.HALONG,0,,4,có", "code", ("1.001193.000.00.00.H46",)),
], ids=["days abc", "negative fee", "online level 5", "postal maybe", "unknown unit", "duplicate code"])
def test_import_reports_the_bad_row_and_stores_nothing(app, runner, units, tmp_path, line, column, values):
    result = runner.invoke(args=["procedures", "import", write(tmp_path, GOOD + line + "\n")])
    assert result.exit_code != 0
    assert has_line(result.output, 4, column, *values), result.output
    assert catalogue(app) == {}


def test_import_refuses_a_missing_column(app, runner, units, tmp_path):
    result = runner.invoke(args=["procedures", "import", write(tmp_path, "code,name,unit_code,processing_days\nQN-10,Đăng ký khai tử,QN.PH.HALONG,3\n")])
    assert result.exit_code != 0
    assert "field" in result.output
    assert catalogue(app) == {}


def test_a_bad_file_leaves_the_catalogue_as_it_was(app, runner, units, tmp_path):
    assert runner.invoke(args=["procedures", "import", write(tmp_path, GOOD)]).exit_code == 0
    before = catalogue(app)

    bad = GOOD.replace("Đăng ký khai sinh", "Tên đã đổi") + "QN-10,Đăng ký khai tử,Hộ tịch,QN.PH.HALONG,3,,4,maybe\n"
    result = runner.invoke(args=["procedures", "import", write(tmp_path, bad, "sai.csv")])
    assert result.exit_code != 0
    assert catalogue(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Procedure)) == 2
