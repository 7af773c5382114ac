"""The register of outgoing documents: numbers per unit and per year from 01, no gap and no number
twice, even when transactions run at once or roll back; the symbol of the kind and the unit."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from feedback import numbering
from feedback.extensions import db as _db
from feedback.numbering import OutgoingDocument
from feedback.transaction import run
from feedback.units.services import get_unit, update_unit

DAY = dt.date(2027, 2, 5)


def test_numbers_run_per_unit_and_per_year_from_01(db, staff):
    dept, commune = get_unit("P.STP"), get_unit("P.XA")
    first = numbering.take(dept, "PXL", DAY, ["a", "b"])
    assert [n.reference for n in first] == ["01/PXL-STP", "02/PXL-STP"]
    # One register for every kind of document a unit issues.
    assert numbering.take_one(dept, "BB", DAY).reference == "03/BB-STP"
    assert numbering.take_one(commune, "PXL", DAY).reference == "01/PXL-UBND"
    assert numbering.take_one(dept, "PXL", dt.date(2028, 1, 2)).reference == "01/PXL-STP"
    lines = db.session.scalars(numbering.register(dept, 2027)).all()
    assert [(line.number, line.kind, line.reference, line.summary) for line in lines] == [
        (1, "PXL", "01/PXL-STP", "a"), (2, "PXL", "02/PXL-STP", "b"), (3, "BB", "03/BB-STP", "")]


def test_the_unit_abbreviation_set_by_an_administrator_is_the_symbol(db, staff):
    dept = get_unit("P.STP")
    update_unit(dept, code=dept.code, name=dept.name, kind=dept.kind, parent=dept.parent,
                valid_from=dept.valid_from, valid_until=None, abbreviation="STP-HCTP")
    assert numbering.take_one(dept, "PXL", DAY).reference == "01/PXL-STP-HCTP"
    assert numbering.take_one(dept, "PXL", DAY, "x").number == 2


def test_an_unknown_kind_of_document_is_refused(db, staff):
    with pytest.raises(ValueError):
        numbering.take_one(get_unit("P.STP"), "XYZ", DAY)


def test_the_register_refuses_a_number_twice(db, staff):
    from sqlalchemy.exc import IntegrityError

    dept = get_unit("P.STP")
    numbering.take_one(dept, "PXL", DAY)
    _db.session.add(OutgoingDocument(unit_id=dept.id, year=2027, number=1, kind="PXL", symbol="PXL-STP",
                                     issued_on=DAY))
    with pytest.raises(IntegrityError):
        _db.session.flush()
    _db.session.rollback()


def _take_in_threads(app, unit_id: int, count: int, fail_every: int = 0) -> list[int]:
    """``count`` transactions at once, each taking one number; every ``fail_every``-th rolls back."""
    start = threading.Barrier(count)
    taken, errors = [], []

    def one(index: int):
        with app.app_context():
            try:
                start.wait(timeout=30)

                def issue():
                    unit = _db.session.get(type(get_unit("P.STP")), unit_id)
                    numbered = numbering.take_one(unit, "PXL", DAY, f"thread {index}")
                    if fail_every and index % fail_every == 0:
                        raise RuntimeError("the document could not be made")
                    return numbered.number

                taken.append(run(issue))
            except RuntimeError:
                pass
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=one, args=(index,)) for index in range(1, count + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    return taken


def test_transactions_at_once_take_every_number_once_and_leave_no_gap(app, real_commits, staff):
    with app.app_context():
        unit_id = get_unit("P.STP").id
    # Every third transaction fails after it took its number: its number goes back to the counter.
    taken = _take_in_threads(app, unit_id, 9, fail_every=3)
    assert sorted(taken) == list(range(1, 7))
    with app.app_context():
        numbers = _db.session.scalars(select(OutgoingDocument.number).where(OutgoingDocument.unit_id == unit_id)
                                      .order_by(OutgoingDocument.number)).all()
        assert numbers == list(range(1, 7))
        assert run(lambda: numbering.take_one(get_unit("P.STP"), "PXL", DAY)).number == 7
