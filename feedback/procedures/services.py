"""Rules of the procedure catalogue: validation, search, and CSV import."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from feedback.csvimport import CsvReader
from feedback.errors import Conflict, Invalid
from feedback.extensions import db
from feedback.procedures.models import ONLINE_LEVELS, Procedure
from feedback.text import fold
from feedback.units.models import Unit

MAX_FEE = 10**12  # a thousand billion đồng: anything above is a typing error

COLUMNS = ("code", "name", "field", "unit_code", "processing_days")
OPTIONAL = ("fee", "online_level", "postal_return")


def check_procedure(code: str, name: str, field: str, unit: Unit | None, processing_days, fee, online_level) -> dict:
    errors = {}
    if not code or len(code) > 64:
        errors["code"] = _("Enter a code of at most 64 characters.")
    if not name or len(name) > 500:
        errors["name"] = _("Enter a name of at most 500 characters.")
    if len(field or "") > 255:
        errors["field"] = _("The field is longer than 255 characters.")
    if unit is None:
        errors["unit"] = _("Choose the responsible unit.")
    if processing_days is None or processing_days < 0:
        errors["processing_days"] = _("Enter the legal processing time as a whole number of working days.")
    if fee is not None and fee < 0:
        errors["fee"] = _("The fee cannot be negative.")
    elif fee is not None and fee > MAX_FEE:
        errors["fee"] = _("The fee is larger than %(n)s đồng.", n=MAX_FEE)
    if online_level is not None and online_level not in ONLINE_LEVELS:
        errors["online_level"] = _("The online level is 2, 3 or 4.")
    return errors


def save_procedure(procedure: Procedure | None, *, code: str, name: str, field: str, unit: Unit | None,
                   processing_days: int | None, fee: int | None, online_level: int | None,
                   postal_return: bool) -> Procedure:
    code, name, field = (code or "").strip(), (name or "").strip(), (field or "").strip()
    errors = check_procedure(code, name, field, unit, processing_days, fee, online_level)
    if errors:
        raise Invalid(_("The procedure was not saved."), errors)
    clash = db.session.scalar(select(Procedure.id).where(Procedure.code == code))
    if clash is not None and (procedure is None or clash != procedure.id):
        raise Conflict(_("A procedure with the code %(code)s exists already.", code=code),
                       {"code": _("This code is taken.")})
    if procedure is None:
        procedure = Procedure()
        db.session.add(procedure)
    procedure.code, procedure.name, procedure.field, procedure.unit = code, name, field, unit
    procedure.processing_days, procedure.fee = processing_days, fee
    procedure.online_level, procedure.postal_return = online_level, postal_return
    db.session.flush()
    return procedure


def search_procedures(q: str = "", unit: Unit | None = None, after: str | None = None, limit: int = 50):
    """Procedures ordered by code, a page at a time (keyset on the code)."""
    query = select(Procedure).order_by(Procedure.code).limit(limit)
    if unit is not None:
        query = query.where(Procedure.unit_id == unit.id)
    for word in fold(q).split()[:10]:
        query = query.where(Procedure.search_text.contains(word, autoescape=True))
    if after:
        query = query.where(Procedure.code > after)
    return list(db.session.scalars(query))


def import_procedures(data: bytes | str) -> tuple[int, int]:
    """Create or update catalogue entries from CSV; all rows or none. Returns (created, updated)."""
    reader = CsvReader(COLUMNS, OPTIONAL)
    parsed, seen = [], {}
    for row, values in reader.rows(data):
        code = reader.text(row, values, "code", 64)
        if code in seen:
            reader.error(row, "code", _("%(code)s appears already in row %(row)s", code=code, row=seen[code]))
        seen.setdefault(code, row)
        parsed.append({
            "row": row,
            "code": code,
            "name": reader.text(row, values, "name", 500),
            "field": reader.text(row, values, "field", 255, required=False),
            "unit_code": reader.text(row, values, "unit_code", 32),
            "processing_days": reader.integer(row, values, "processing_days"),
            "fee": reader.integer(row, values, "fee", required=False, maximum=MAX_FEE),
            "online_level": reader.integer(row, values, "online_level", required=False, choices=ONLINE_LEVELS),
            "postal_return": reader.boolean(row, values, "postal_return"),
        })
    reader.check()

    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_({p["unit_code"] for p in parsed})))}
    existing = {p.code: p for p in db.session.scalars(select(Procedure).where(Procedure.code.in_(list(seen))))}
    for entry in parsed:
        if entry["unit_code"] not in units:
            reader.error(entry["row"], "unit_code", _("no unit has the code %(code)s", code=entry["unit_code"]))
    reader.check()

    created = updated = 0
    with db.session.no_autoflush:
        for entry in parsed:
            procedure = existing.get(entry["code"])
            if procedure is None:
                procedure = Procedure(code=entry["code"])
                db.session.add(procedure)
                created += 1
            else:
                updated += 1
            procedure.name, procedure.field = entry["name"], entry["field"]
            procedure.unit = units[entry["unit_code"]]
            procedure.processing_days, procedure.fee = entry["processing_days"], entry["fee"]
            procedure.online_level, procedure.postal_return = entry["online_level"], entry["postal_return"]
    db.session.flush()
    return created, updated
