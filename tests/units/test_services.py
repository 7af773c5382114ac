"""The unit tree's rules: codes, dates, cycles, tree order, merges (and their hook), CSV import."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from sqlalchemy import func, select

from feedback import hookimpl
from feedback.auth.models import User
from feedback.auth.services import create_user
from feedback.errors import Conflict, Invalid, NotFound
from feedback.timeutil import local_today
from feedback.units.models import Unit
from feedback.units.services import (
    create_unit,
    get_unit,
    import_units,
    list_units,
    merge_units,
    tree,
    update_unit,
)

SINCE = dt.date(2020, 1, 1)
MERGE_DAY = dt.date(2025, 7, 1)
PASSWORD = "mat-khau-du-dai-123"


def count_units(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Unit))


def snapshot(db) -> dict:
    """Everything a failed operation must leave untouched, read back from the database."""
    db.session.expire_all()
    units = {
        unit.code: (unit.name, unit.kind, unit.parent_id, unit.head_id, unit.valid_from, unit.valid_until,
                    unit.successor_id)
        for unit in db.session.scalars(select(Unit))
    }
    users = {user.email: (user.unit_id, user.role) for user in db.session.scalars(select(User))}
    return {"units": units, "users": users}


def has_row_error(exc: Invalid, row: int, column: str, *values: str) -> bool:
    """True when one row message names the row number, the column and each given value."""
    for message in exc.fields.get("rows", []):
        if re.search(rf"(?<!\d){row}(?!\d)", message) and column in message and all(v in message for v in values):
            return True
    return False


def unit(code, name, kind="other", parent=None, valid_from=SINCE, valid_until=None) -> Unit:
    return create_unit(code, name, kind, parent=parent, valid_from=valid_from, valid_until=valid_until)


# --- create, update ---------------------------------------------------------------------------


def test_create_unit_stores_the_unit(db):
    province = unit("HN", "Ủy ban nhân dân thành phố Hà Nội", "province")
    dept = create_unit(" HN.STP ", "  Sở Tư pháp thành phố Hà Nội ", "department", parent=province)
    db.session.commit()
    db.session.expire_all()

    stored = get_unit("HN.STP")
    assert stored.id == dept.id
    assert stored.name == "Sở Tư pháp thành phố Hà Nội"
    assert stored.parent.code == "HN"
    assert stored.valid_from == local_today()  # default start: today, in Vietnam
    assert stored.valid_until is None
    assert stored.ancestors() == [province]


def test_create_unit_with_a_taken_code_is_a_conflict(db):
    unit("HN.STP", "Sở Tư pháp thành phố Hà Nội", "department")
    db.session.commit()

    with pytest.raises(Conflict) as caught:
        unit("HN.STP", "Sở Tư pháp (trùng mã)", "department")
    assert "code" in caught.value.fields
    db.session.rollback()
    assert count_units(db) == 1
    assert get_unit("HN.STP").name == "Sở Tư pháp thành phố Hà Nội"


@pytest.mark.parametrize("code", ["SỞ TƯ PHÁP", "HN STP", "HN/STP", ".HN", "", "X" * 33])
def test_create_unit_refuses_a_code_with_bad_characters(db, code):
    with pytest.raises(Invalid) as caught:
        unit(code, "Sở Tư pháp", "department")
    assert set(caught.value.fields) == {"code"}
    db.session.rollback()
    assert count_units(db) == 0


def test_create_unit_refuses_an_end_before_the_start(db):
    with pytest.raises(Invalid) as caught:
        unit("CT", "Ủy ban nhân dân huyện Cô Tô", "district",
             valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2019, 12, 31))
    assert set(caught.value.fields) == {"valid_until"}
    db.session.rollback()
    assert count_units(db) == 0


def test_create_unit_refuses_an_empty_name_and_an_unknown_kind(db):
    with pytest.raises(Invalid) as caught:
        unit("CT", "   ", "huyen")
    assert set(caught.value.fields) == {"name", "kind"}


def test_get_unit_with_an_unknown_code_is_not_found(db):
    with pytest.raises(NotFound) as caught:
        get_unit("KHONG-CO")
    assert "KHONG-CO" in str(caught.value.message)


@pytest.fixture
def chain(db):
    """A → B → C: a province, its department and the department's sub-department."""
    a = unit("A", "Ủy ban nhân dân tỉnh Quảng Ninh", "province")
    b = unit("B", "Sở Nông nghiệp và Môi trường", "department", parent=a)
    c = unit("C", "Chi cục Thủy lợi", "sub_department", parent=b)
    db.session.commit()
    return a, b, c


def _update(target, **changes):
    values = dict(code=target.code, name=target.name, kind=target.kind, parent=target.parent,
                  valid_from=target.valid_from, valid_until=target.valid_until)
    values.update(changes)
    return update_unit(target, **values)


def test_update_unit_refuses_a_cycle_and_changes_nothing(db, chain):
    a, b, c = chain
    before = snapshot(db)

    with pytest.raises(Invalid) as caught:
        _update(a, parent=c, name="Tên mới không được lưu")
    assert "parent" in caught.value.fields
    db.session.rollback()

    assert snapshot(db) == before
    assert a.parent is None and b.parent is a and c.parent is b


@pytest.mark.parametrize("parent_code", ["A", "B"])
def test_update_unit_refuses_its_own_parent_or_descendant(db, chain, parent_code):
    a, b, _ = chain
    with pytest.raises(Invalid) as caught:
        _update(b if parent_code == "B" else a, parent=get_unit(parent_code))
    assert "parent" in caught.value.fields


def test_update_unit_moves_and_renames(db, chain):
    a, b, c = chain
    _update(c, parent=a, name="Chi cục Thủy lợi tỉnh Quảng Ninh", code="A.CCTL")
    db.session.commit()
    db.session.expire_all()

    moved = get_unit("A.CCTL")
    assert moved.parent.code == "A"
    assert moved.name == "Chi cục Thủy lợi tỉnh Quảng Ninh"
    assert [child.code for child in get_unit("A").children] == ["A.CCTL", "B"]
    assert get_unit("B").children == []


def test_update_unit_to_a_taken_code_is_a_conflict(db, chain):
    _, b, _ = chain
    before = snapshot(db)
    with pytest.raises(Conflict) as caught:
        _update(b, code="C")
    assert "code" in caught.value.fields
    db.session.rollback()
    assert snapshot(db) == before


def test_update_unit_refuses_an_end_before_the_start(db, chain):
    _, b, _ = chain
    with pytest.raises(Invalid) as caught:
        _update(b, valid_until=SINCE - dt.timedelta(days=1))
    assert "valid_until" in caught.value.fields


# --- tree, list -------------------------------------------------------------------------------


def test_tree_is_depth_first_with_children_in_code_order(db):
    hn = unit("HN", "Ủy ban nhân dân thành phố Hà Nội", "province")
    syt = unit("HN-SYT", "Sở Y tế", "department", parent=hn)
    unit("HN-STP", "Sở Tư pháp", "department", parent=hn)
    # Its code sorts first of all, yet it sits at depth 2 under HN-SYT.
    unit("A-CC", "Chi cục Dân số", "sub_department", parent=syt)
    unit("BN", "Ủy ban nhân dân tỉnh Bắc Ninh", "province")
    db.session.commit()

    ordered = [(depth, u.code) for depth, u in tree(list_units())]
    assert ordered == [(0, "BN"), (0, "HN"), (1, "HN-STP"), (1, "HN-SYT"), (2, "A-CC")]


def test_tree_shows_units_whose_parent_is_not_listed_as_roots(db):
    today = local_today()
    ct = unit("CT", "Ủy ban nhân dân huyện Cô Tô", "district", valid_until=today - dt.timedelta(days=1))
    unit("CT.XA", "Ủy ban nhân dân xã Cô Tô", "commune", parent=ct)
    unit("QN", "Ủy ban nhân dân tỉnh Quảng Ninh", "province")
    db.session.commit()

    ordered = [(depth, u.code) for depth, u in tree(list_units(current_only=True))]
    assert ordered == [(0, "CT.XA"), (0, "QN")]
    assert tree([]) == []


def test_list_units_current_only_excludes_ended_and_future_units(db):
    today = local_today()
    unit("CT", "Ủy ban nhân dân huyện Cô Tô", "district", valid_until=today - dt.timedelta(days=1))
    unit("QN.SNNMT", "Sở Nông nghiệp và Môi trường", "department", valid_from=today + dt.timedelta(days=1))
    unit("QN", "Ủy ban nhân dân tỉnh Quảng Ninh", "province")
    unit("QN.STP", "Sở Tư pháp", "department", valid_until=today)  # its last day is today
    db.session.commit()

    assert [u.code for u in list_units()] == ["CT", "QN", "QN.SNNMT", "QN.STP"]
    assert [u.code for u in list_units(current_only=True)] == ["QN", "QN.STP"]
    assert [u.code for u in list_units(current_only=True, on=today - dt.timedelta(days=1))] == ["CT", "QN", "QN.STP"]
    assert [u.code for u in list_units(current_only=True, on=today + dt.timedelta(days=1))] == ["QN", "QN.SNNMT"]
    assert get_unit("CT").is_current is False
    assert get_unit("QN").is_current is True


# --- merge ------------------------------------------------------------------------------------


@pytest.fixture
def merger(db):
    """Two departments merging into a new one on 1 July 2025, each with a sub-unit and staff."""
    province = unit("QN", "Ủy ban nhân dân tỉnh Quảng Ninh", "province")
    agri = unit("QN.SNN", "Sở Nông nghiệp và Phát triển nông thôn", "department", parent=province)
    env = unit("QN.STNMT", "Sở Tài nguyên và Môi trường", "department", parent=province)
    unit("QN.SNN.CCTL", "Chi cục Thủy lợi", "sub_department", parent=agri)
    unit("QN.STNMT.CCBD", "Chi cục Biển và Hải đảo", "sub_department", parent=env)
    new = unit("QN.SNNMT", "Sở Nông nghiệp và Môi trường", "department", parent=province, valid_from=MERGE_DAY)
    create_user("giamdoc.snn@quangninh.gov.vn", PASSWORD, "head", unit=agri, name="Nguyễn Văn Nông")
    create_user("canbo.stnmt@quangninh.gov.vn", PASSWORD, "officer", unit=env, name="Trần Thị Mai")
    create_user("giamdoc.snnmt@quangninh.gov.vn", PASSWORD, "head", unit=new, name="Lê Minh Tâm")
    create_user("quantri@quangninh.gov.vn", PASSWORD, "admin", name="Phạm Quản Trị")
    db.session.commit()
    return {"agri": agri, "env": env, "new": new}


def test_merge_units_moves_children_and_staff_and_ends_the_sources(db, merger):
    agri, env, new = merger["agri"], merger["env"], merger["new"]
    assert agri.head is not None

    assert merge_units([agri, env], new, on=MERGE_DAY) is new
    db.session.commit()
    db.session.expire_all()

    new = get_unit("QN.SNNMT")
    assert [child.code for child in new.children] == ["QN.SNN.CCTL", "QN.STNMT.CCBD"]
    for code in ("QN.SNN", "QN.STNMT"):
        source = get_unit(code)
        assert source.valid_until == dt.date(2025, 6, 30)
        assert source.successor is new
        assert source.head is None
        assert source.children == []
        assert source.parent.code == "QN"  # the old unit stays where it was, readable
    staff = {user.email: user.unit for user in db.session.scalars(select(User))}
    assert staff == {
        "giamdoc.snn@quangninh.gov.vn": new,
        "canbo.stnmt@quangninh.gov.vn": new,
        "giamdoc.snnmt@quangninh.gov.vn": new,
        "quantri@quangninh.gov.vn": None,
    }
    assert new.head.email == "giamdoc.snnmt@quangninh.gov.vn"  # the successor keeps its head
    assert new.valid_until is None and new.successor is None
    assert [u.code for u in list_units(current_only=True, on=MERGE_DAY)] == [
        "QN", "QN.SNN.CCTL", "QN.SNNMT", "QN.STNMT.CCBD"]


def test_merge_units_uses_today_by_default(db, merger):
    merge_units([merger["agri"]], merger["env"])
    db.session.commit()
    assert get_unit("QN.SNN").valid_until == local_today() - dt.timedelta(days=1)
    assert get_unit("QN.SNN").successor.code == "QN.STNMT"


@pytest.mark.parametrize("case, field", [
    ("itself", "successor"),
    ("own sub-unit", "successor"),
    ("twice", "sources"),
    ("no sources", "sources"),
    ("before the successor exists", "on"),
    ("not after the source's start", "on"),
])
def test_merge_units_refuses_and_changes_nothing(db, merger, case, field):
    agri, env, new = merger["agri"], merger["env"], merger["new"]
    if case == "twice":
        merge_units([agri], new, on=MERGE_DAY)
        db.session.commit()
    before = snapshot(db)

    with pytest.raises(Invalid) as caught:
        if case == "itself":
            merge_units([agri, env], agri, on=MERGE_DAY)
        elif case == "own sub-unit":
            merge_units([agri], get_unit("QN.SNN.CCTL"), on=MERGE_DAY)
        elif case == "twice":
            merge_units([agri], env, on=MERGE_DAY)
        elif case == "no sources":
            merge_units([], new, on=MERGE_DAY)
        elif case == "before the successor exists":
            merge_units([agri], new, on=MERGE_DAY - dt.timedelta(days=1))
        else:
            merge_units([agri], new, on=SINCE)
    assert field in caught.value.fields
    db.session.rollback()

    assert snapshot(db) == before


class MergeRecorder:
    """A plugin that notes what it was told, and what the tree looked like when it was told."""

    def __init__(self):
        self.calls = []

    @hookimpl
    def feedback_units_merged(self, sources, successor, actor):
        self.calls.append({
            "sources": [source.code for source in sources],
            "successor": successor.code,
            "actor": actor.email if actor is not None else None,
            "children": [child.code for child in successor.children],
            "ended": [source.valid_until for source in sources],
        })


def test_hook_feedback_units_merged(db, merger, register_plugin):
    recorder = register_plugin(MergeRecorder(), name="ghi-nhan-sap-nhap")
    admin = db.session.scalar(select(User).where(User.email == "quantri@quangninh.gov.vn"))

    merge_units([merger["agri"], merger["env"]], merger["new"], on=MERGE_DAY, actor=admin)

    assert recorder.calls == [{
        "sources": ["QN.SNN", "QN.STNMT"],
        "successor": "QN.SNNMT",
        "actor": "quantri@quangninh.gov.vn",
        # The core has moved the sub-units and ended the sources before the plugins run.
        "children": ["QN.SNN.CCTL", "QN.STNMT.CCBD"],
        "ended": [dt.date(2025, 6, 30), dt.date(2025, 6, 30)],
    }]


def test_hook_feedback_units_merged_is_not_called_when_the_merge_is_refused(db, merger, register_plugin):
    recorder = register_plugin(MergeRecorder(), name="ghi-nhan-sap-nhap")
    with pytest.raises(Invalid):
        merge_units([merger["agri"]], merger["agri"], on=MERGE_DAY)
    assert recorder.calls == []


class BrokenPlugin:
    """Changes the database, then fails: its changes must be rolled back, the merge kept."""

    @hookimpl
    def feedback_units_merged(self, sources, successor):
        successor.name = "Tên do plugin hỏng đặt"
        create_unit("RAC", "Đơn vị rác của plugin hỏng")
        raise RuntimeError("plugin hỏng")


class WorkingPlugin:
    @hookimpl
    def feedback_units_merged(self, successor):
        create_unit("QN.SNNMT.LUU", f"Lưu trữ của {successor.name}", parent=successor, valid_from=SINCE)


@pytest.mark.parametrize("broken_first", [True, False])
def test_a_failing_plugin_does_not_stop_the_merge(db, merger, register_plugin, caplog, broken_first):
    plugins = [(BrokenPlugin(), "plugin-hong"), (WorkingPlugin(), "plugin-tot")]
    for plugin, name in plugins if broken_first else reversed(plugins):
        register_plugin(plugin, name=name)

    with caplog.at_level(logging.ERROR, logger="feedback.plugins"):
        merge_units([merger["agri"], merger["env"]], merger["new"], on=MERGE_DAY)
    db.session.commit()
    db.session.expire_all()

    # The merge itself went through.
    assert get_unit("QN.SNN").successor.code == "QN.SNNMT"
    assert get_unit("QN.STNMT").valid_until == dt.date(2025, 6, 30)
    assert [c.code for c in get_unit("QN.SNNMT").children] == ["QN.SNN.CCTL", "QN.SNNMT.LUU", "QN.STNMT.CCBD"]
    # The broken plugin's changes are gone, the working plugin's are kept.
    assert get_unit("QN.SNNMT").name == "Sở Nông nghiệp và Môi trường"
    assert db.session.scalar(select(Unit).where(Unit.code == "RAC")) is None
    assert get_unit("QN.SNNMT.LUU").name == "Lưu trữ của Sở Nông nghiệp và Môi trường"
    # The failure is logged with the plugin's name and the exception.
    failures = [r for r in caplog.records if r.name == "feedback.plugins" and r.levelno == logging.ERROR]
    assert len(failures) == 1
    assert "plugin-hong" in failures[0].getMessage()
    assert "feedback_units_merged" in failures[0].getMessage()
    assert failures[0].exc_info[0] is RuntimeError


# --- CSV import -------------------------------------------------------------------------------

HEADER = "code,name,kind,parent_code,valid_from,valid_until\n"


def test_import_units_accepts_parents_after_children(db):
    data = HEADER + (
        "QN.SNNMT.CCTL,Chi cục Thủy lợi,sub_department,QN.SNNMT,,\n"
        "QN.SNNMT,Sở Nông nghiệp và Môi trường,department,QN,01/07/2025,\n"
        "QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,2008-01-01,\n"
        "QN.CT,Ủy ban nhân dân huyện Cô Tô,district,QN,01/01/2008,30/06/2025\n"
    )
    assert import_units(data) == (4, 0)
    db.session.commit()
    db.session.expire_all()

    assert [(depth, u.code) for depth, u in tree(list_units())] == [
        (0, "QN"), (1, "QN.CT"), (1, "QN.SNNMT"), (2, "QN.SNNMT.CCTL")]
    assert get_unit("QN").valid_from == dt.date(2008, 1, 1)
    assert get_unit("QN.SNNMT").valid_from == dt.date(2025, 7, 1)
    assert get_unit("QN.SNNMT.CCTL").valid_from == local_today()
    assert get_unit("QN.CT").valid_until == dt.date(2025, 6, 30)
    assert get_unit("QN.CT").kind == "district"
    assert get_unit("QN.SNNMT.CCTL").name == "Chi cục Thủy lợi"


def test_import_units_updates_existing_codes(db):
    province = unit("QN", "UBND tỉnh Quảng Ninh", "province", valid_from=dt.date(2008, 1, 1))
    unit("QN.STP", "Sở Tư pháp (cũ)", "other")
    db.session.commit()

    data = "code,name,kind,parent_code\n" + (
        "QN.STP,Sở Tư pháp tỉnh Quảng Ninh,department,QN\n"
        "QN.SXD,Sở Xây dựng tỉnh Quảng Ninh,department,QN\n"
    )
    assert import_units(data) == (1, 1)
    db.session.commit()
    db.session.expire_all()

    assert count_units(db) == 3
    stp = get_unit("QN.STP")
    assert (stp.name, stp.kind, stp.parent) == ("Sở Tư pháp tỉnh Quảng Ninh", "department", province)
    assert stp.valid_from == SINCE  # no valid_from column: the start date is kept
    assert get_unit("QN").name == "UBND tỉnh Quảng Ninh"  # not in the file: untouched
    assert [c.code for c in get_unit("QN").children] == ["QN.STP", "QN.SXD"]

    # The same file again only updates.
    assert import_units(data) == (0, 2)


def test_import_units_accepts_semicolons_and_a_utf8_bom(db):
    text = (
        "code;name;kind;parent_code\n"
        "QN.PH.HALONG;Ủy ban nhân dân phường Hạ Long, thành phố Hạ Long;commune;QN\n"
        "QN;Ủy ban nhân dân tỉnh Quảng Ninh;province;\n"
    )
    assert import_units(b"\xef\xbb\xbf" + text.encode("utf-8")) == (2, 0)
    db.session.commit()
    db.session.expire_all()
    ward = get_unit("QN.PH.HALONG")
    assert ward.name == "Ủy ban nhân dân phường Hạ Long, thành phố Hạ Long"
    assert ward.parent.code == "QN"


def test_import_units_accepts_a_utf8_bom_with_commas(db):
    text = HEADER + "QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,01/01/2008,\n"
    assert import_units(("\ufeff" + text).encode("utf-8")) == (1, 0)
    assert import_units("\ufeff" + text) == (0, 1)
    assert get_unit("QN").valid_from == dt.date(2008, 1, 1)


BAD_UNIT_FILES = {
    "duplicate code": (
        "QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,,\n"
        "QN.STP,Sở Tư pháp,department,QN,,\n"
        "QN.STP,Sở Tư pháp (lần hai),department,QN,,\n",
        4, "code", ("QN.STP", "3")),
    "unknown parent": (
        "QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,,\n"
        "QN.STP,Sở Tư pháp,department,KHONG-CO,,\n",
        3, "parent_code", ("KHONG-CO",)),
    "cycle in the file": (
        "QN.A,Phòng A,division,QN.B,,\n"
        "QN.B,Phòng B,division,QN.A,,\n",
        3, "parent_code", ("QN.A",)),
    "bad date": (
        "QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,31/02/2024,\n",
        2, "valid_from", ("31/02/2024",)),
    "end before start": (
        "QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,01/07/2025,30/06/2025\n",
        2, "valid_until", ()),
    "bad code characters": (
        "QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,,\n"
        "SỞ TƯ PHÁP,Sở Tư pháp,department,QN,,\n",
        3, "code", ("SỞ TƯ PHÁP",)),
    "unknown kind": (
        "QN,Ủy ban nhân dân tỉnh Quảng Ninh,tinh,,,\n",
        2, "kind", ("tinh",)),
    "empty name": (
        "QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,,\n"
        "QN.STP,,department,QN,,\n",
        3, "name", ()),
}


@pytest.mark.parametrize("case", BAD_UNIT_FILES)
def test_import_units_refuses_a_bad_row_and_stores_nothing(db, case):
    body, row, column, values = BAD_UNIT_FILES[case]
    unit("HP", "Ủy ban nhân dân thành phố Hải Phòng", "province")
    db.session.commit()
    before = snapshot(db)

    with pytest.raises(Invalid) as caught:
        import_units(HEADER + body)
    assert has_row_error(caught.value, row, column, *values), caught.value.fields
    db.session.rollback()

    assert snapshot(db) == before
    assert count_units(db) == 1


def test_import_units_refuses_a_cycle_with_stored_units(db):
    qn = unit("QN", "Ủy ban nhân dân tỉnh Quảng Ninh", "province")
    unit("QN.STP", "Sở Tư pháp", "department", parent=qn)
    db.session.commit()
    before = snapshot(db)

    with pytest.raises(Invalid) as caught:
        import_units(HEADER + "QN.SXD,Sở Xây dựng,department,QN,,\nQN,Ủy ban nhân dân tỉnh Quảng Ninh,province,QN.STP,,\n")
    assert has_row_error(caught.value, 3, "parent_code", "QN.STP")
    db.session.rollback()
    assert snapshot(db) == before


def test_import_units_refuses_a_missing_column_and_stores_nothing(db):
    with pytest.raises(Invalid) as caught:
        import_units("code,name,kind\nQN,Ủy ban nhân dân tỉnh Quảng Ninh,province\n")
    assert "parent_code" in str(caught.value.message)
    assert "rows" not in caught.value.fields
    db.session.rollback()
    assert count_units(db) == 0


def test_import_units_reports_every_bad_row_at_once(db):
    data = HEADER + (
        "QN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,01/13/2020,\n"
        "QN.STP,Sở Tư pháp,department,QN,,\n"
        "QN.SXD,Sở Xây dựng,department,KHONG-CO,,\n"
    )
    with pytest.raises(Invalid) as caught:
        import_units(data)
    # The cell errors are found first; the parent check comes after them.
    assert has_row_error(caught.value, 2, "valid_from", "01/13/2020")
    assert len(caught.value.fields["rows"]) == 1
    db.session.rollback()
    assert count_units(db) == 0

    with pytest.raises(Invalid) as caught:
        import_units(HEADER + "QN.A,Phòng A,division,KHONG-1,,\nQN.B,Phòng B,division,KHONG-2,,\n")
    assert has_row_error(caught.value, 2, "parent_code", "KHONG-1")
    assert has_row_error(caught.value, 3, "parent_code", "KHONG-2")
    db.session.rollback()
    assert count_units(db) == 0


def test_import_units_row_numbers_count_blank_lines(db):
    with pytest.raises(Invalid) as caught:
        import_units("code,name,kind,parent_code\nQN,Ủy ban nhân dân tỉnh Quảng Ninh,province,\n\nQN.STP,,department,QN\n")
    # A spreadsheet shows the empty line as row 3: the bad row is row 4.
    assert has_row_error(caught.value, 4, "name"), caught.value.fields


def test_import_units_refuses_an_end_before_the_stored_start(db):
    unit("QN", "Ủy ban nhân dân tỉnh Quảng Ninh", "province", valid_from=dt.date(2025, 7, 1))
    db.session.commit()
    with pytest.raises(Invalid) as caught:
        import_units("code,name,kind,parent_code,valid_until\nQN,Ủy ban nhân dân tỉnh Quảng Ninh,province,,30/06/2020\n")
    assert has_row_error(caught.value, 2, "valid_until", "30/06/2020")
