"""`flask units import` and `flask units list`."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from feedback.extensions import db
from feedback.units.models import Unit

HEADER = "code,name,kind,parent_code,valid_from,valid_until\n"


def stored_units(app) -> dict:
    with app.app_context():
        return {unit.code: (unit.name, unit.parent.code if unit.parent else None, unit.valid_from, unit.valid_until)
                for unit in db.session.scalars(select(Unit))}


def count_units(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Unit))


def write(tmp_path, text: str, name="don-vi.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def has_line(output: str, row: int, column: str, *values: str) -> bool:
    return any(
        re.search(rf"(?<!\d){row}(?!\d)", line) and column in line and all(v in line for v in values)
        for line in output.splitlines()
    )


GOOD = HEADER + (
    "QN.SNNMT.CCTL,Chi cục Thủy lợi,sub_department,QN.SNNMT,,\n"
    "QN.SNNMT,Sở Nông nghiệp và Môi trường,department,QN,01/07/2025,\n"
    "QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,01/01/2008,\n"
    "QN.CT,Ủy ban nhân dân huyện Cô Tô,district,QN,01/01/2008,30/06/2025\n"
)


def test_import_creates_then_updates(app, runner, tmp_path):
    result = runner.invoke(args=["units", "import", write(tmp_path, GOOD)])
    assert result.exit_code == 0, result.output
    assert re.search(r"\b4\b\D+\b0\b", result.output), result.output  # 4 created, 0 updated

    units = stored_units(app)
    assert units["QN.SNNMT.CCTL"][:2] == ("Chi cục Thủy lợi", "QN.SNNMT")
    assert units["QN.SNNMT"] == ("Sở Nông nghiệp và Môi trường", "QN", dt.date(2025, 7, 1), None)
    assert units["QN.CT"] == ("Ủy ban nhân dân huyện Cô Tô", "QN", dt.date(2008, 1, 1), dt.date(2025, 6, 30))

    changed = GOOD.replace("Chi cục Thủy lợi,sub_department,QN.SNNMT", "Chi cục Thủy lợi tỉnh Quảng Ninh,sub_department,QN")
    result = runner.invoke(args=["units", "import", write(tmp_path, changed, "lan-hai.csv")])
    assert result.exit_code == 0, result.output
    assert re.search(r"\b0\b\D+\b4\b", result.output), result.output  # 0 created, 4 updated
    assert stored_units(app)["QN.SNNMT.CCTL"][:2] == ("Chi cục Thủy lợi tỉnh Quảng Ninh", "QN")
    assert count_units(app) == 4


def test_import_reads_semicolons_and_a_utf8_bom(app, runner, tmp_path):
    text = "\ufeffcode;name;kind;parent_code\nQN.PH.HALONG;Phường Hạ Long, tỉnh Quảng Ninh;commune;QN\nQN;Ủy ban nhân dân tỉnh Quảng Ninh;province;\n"
    result = runner.invoke(args=["units", "import", write(tmp_path, text)])
    assert result.exit_code == 0, result.output
    units = stored_units(app)
    assert units["QN.PH.HALONG"][:2] == ("Phường Hạ Long, tỉnh Quảng Ninh", "QN")
    assert units["QN"][:2] == ("Ủy ban nhân dân tỉnh Quảng Ninh", None)


@pytest.mark.parametrize("body, row, column, values", [
    ("QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,,\nQN.STP,Sở Tư pháp,department,KHONG-CO,,\n",
     3, "parent_code", ("KHONG-CO",)),
    ("QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,,\nQN.STP,Sở Tư pháp,department,QN,,\nQN.STP,Sở Tư pháp,department,QN,,\n",
     4, "code", ("QN.STP",)),
    ("QN.A,Phòng A,division,QN.B,,\nQN.B,Phòng B,division,QN.A,,\n", 3, "parent_code", ("QN.A",)),
    ("QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,1/7/25x,\n", 2, "valid_from", ("1/7/25x",)),
], ids=["unknown parent", "duplicate code", "cycle", "bad date"])
def test_import_reports_the_bad_row_and_stores_nothing(app, runner, tmp_path, body, row, column, values):
    result = runner.invoke(args=["units", "import", write(tmp_path, HEADER + body)])
    assert result.exit_code != 0
    assert has_line(result.output, row, column, *values), result.output
    assert count_units(app) == 0


def test_import_refuses_a_missing_column(app, runner, tmp_path):
    result = runner.invoke(args=["units", "import", write(tmp_path, "code,name\nQN,Ủy ban nhân dân tỉnh Quảng Ninh\n")])
    assert result.exit_code != 0
    assert "kind" in result.output and "parent_code" in result.output
    assert count_units(app) == 0


def test_import_keeps_stored_units_when_the_file_is_bad(app, runner, tmp_path):
    assert runner.invoke(args=["units", "import", write(tmp_path, GOOD)]).exit_code == 0
    before = stored_units(app)

    bad = GOOD.replace("Sở Nông nghiệp và Môi trường", "Tên mới") + "QN.SXD,Sở Xây dựng,bo,QN,,\n"
    result = runner.invoke(args=["units", "import", write(tmp_path, bad, "sai.csv")])
    assert result.exit_code != 0
    assert has_line(result.output, 6, "kind", "bo"), result.output
    assert stored_units(app) == before


def test_import_of_a_missing_file_fails(app, runner, tmp_path):
    result = runner.invoke(args=["units", "import", str(tmp_path / "khong-co.csv")])
    assert result.exit_code != 0
    assert count_units(app) == 0


def test_list_prints_the_tree(app, runner, tmp_path):
    assert runner.invoke(args=["units", "import", write(tmp_path, GOOD)]).exit_code == 0
    result = runner.invoke(args=["units", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [(len(line) - len(line.lstrip()), line.split()[0]) for line in lines] == [
        (0, "QN"), (2, "QN.CT"), (2, "QN.SNNMT"), (4, "QN.SNNMT.CCTL")]
    assert "Ủy ban nhân dân huyện Cô Tô" in lines[1] and "30/06/2025" in lines[1]
    assert "Chi cục Thủy lợi" in lines[3] and "/" not in lines[3]
