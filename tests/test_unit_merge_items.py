"""A merge of units passes open items to the successor and leaves answered ones with history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from feedback.auth.models import User
from feedback.items.models import Item
from feedback.items.services import Filing, file_item, transition
from feedback.units.models import Unit
from feedback.units.services import merge_units


def _file(unit_code: str) -> Item:
    item, _key, _created = file_item(Filing(kind="complaint", topic="other", unit=unit_code, title="Chậm trả kết quả",
                                            body="Hồ sơ nộp đã lâu mà chưa có kết quả, đề nghị kiểm tra."))
    return item


def test_open_items_follow_the_merge_and_answered_ones_stay(app, db, staff):
    head = db.session.scalar(select(User).where(User.email == "head@example.vn"))
    open_item, answered = _file("P.STP"), _file("P.STP")
    transition(answered, "respond", head, body="Đơn vị đã kiểm tra và trả kết quả cho công dân ngay trong ngày.")
    db.session.commit()

    source = db.session.scalar(select(Unit).where(Unit.code == "P.STP"))
    successor = db.session.scalar(select(Unit).where(Unit.code == "P.XA"))
    merge_units([source], successor, on=dt.date(2026, 1, 1))
    db.session.commit()

    db.session.expire_all()
    moved = db.session.get(Item, open_item.id)
    assert moved.unit.code == "P.XA"
    assert moved.events[-1].action == "unit_merged"
    assert moved.events[-1].data == {"from_unit": "P.STP", "to_unit": "P.XA"}
    assert db.session.get(Item, answered.id).unit.code == "P.STP"
    # The staff moved too; the source keeps its history and points at its successor.
    assert db.session.scalar(select(User).where(User.email == "officer@example.vn")).unit.code == "P.XA"
    assert db.session.scalar(select(Unit).where(Unit.code == "P.STP")).successor.code == "P.XA"
