"""Rules of the unit tree: unique codes, no cycles, valid dates, merges, imports."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _
from sqlalchemy import select

from feedback.csvimport import CsvReader
from feedback.errors import Conflict, Invalid, NotFound
from feedback.extensions import db
from feedback.pluginmanager import fire_event
from feedback.timeutil import local_today
from feedback.units.models import UNIT_KINDS, Unit

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


def get_unit(code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(_("No unit has the code %(code)s.", code=code), {"unit": _("Unknown unit.")})
    return unit


def list_units(current_only: bool = False, on: dt.date | None = None) -> list[Unit]:
    return list(db.session.scalars(_current(select(Unit).order_by(Unit.code), current_only, on)))


def list_unit_names(current_only: bool = False, on: dt.date | None = None) -> list:
    """Rows of (id, parent_id, code, name), in code order: what a list of choices needs, without
    building every unit as an object (pages with a unit picker show hundreds)."""
    query = select(Unit.id, Unit.parent_id, Unit.code, Unit.name).order_by(Unit.code)
    return list(db.session.execute(_current(query, current_only, on)))


def _current(query, current_only: bool, on: dt.date | None):
    if current_only:
        day = on or local_today()
        query = query.where(Unit.valid_from <= day, (Unit.valid_until.is_(None)) | (Unit.valid_until >= day))
    return query


def tree(units: list[Unit]) -> list[tuple[int, Unit]]:
    """Units in tree order with their depth, for indented lists (no query per node)."""
    by_parent: dict[int | None, list[Unit]] = {}
    ids = {unit.id for unit in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        by_parent.setdefault(parent, []).append(unit)
    ordered: list[tuple[int, Unit]] = []
    stack = [(0, unit) for unit in reversed(by_parent.get(None, []))]
    while stack:
        depth, unit = stack.pop()
        ordered.append((depth, unit))
        stack.extend((depth + 1, child) for child in reversed(by_parent.get(unit.id, [])))
    return ordered


def _check_fields(code: str, name: str, kind: str, valid_from, valid_until) -> dict:
    errors = {}
    if not CODE_PATTERN.match(code or ""):
        errors["code"] = _("A code has 1 to 32 letters, digits, dots, dashes or underscores.")
    if not (name or "").strip():
        errors["name"] = _("Enter the unit's name.")
    elif len(name) > 255:
        errors["name"] = _("The name is longer than 255 characters.")
    if kind not in UNIT_KINDS:
        errors["kind"] = _("Unknown kind of unit.")
    if valid_from and valid_until and valid_until < valid_from:
        errors["valid_until"] = _("The end date is before the start date.")
    return errors


# An abbreviation in a document's symbol: capitals, digits and the hyphens between them ("UBND",
# "SNNMT", "TTPVHCC"), as Decree 30/2020/ND-CP writes them.
ABBREVIATION_PATTERN = re.compile(r"^[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)*$")


def _check_document_fields(abbreviation: str, locality: str) -> dict:
    errors = {}
    abbreviation = (abbreviation or "").strip()
    if abbreviation and (len(abbreviation) > 32 or not ABBREVIATION_PATTERN.match(abbreviation)):
        errors["abbreviation"] = _("An abbreviation has up to 32 capital letters or digits, in parts joined by "
                                   "hyphens (UBND, SNNMT).")
    if len((locality or "").strip()) > 128:
        errors["locality"] = _("The locality is longer than 128 characters.")
    return errors


def _would_cycle(unit: Unit, parent: Unit | None) -> bool:
    # Walk up from the new parent by object identity: new units have no id before flush.
    node, seen = parent, set()
    while node is not None and id(node) not in seen:
        if node is unit:
            return True
        seen.add(id(node))
        node = node.parent
    return False


def create_unit(code: str, name: str, kind: str = "other", parent: Unit | None = None,
                valid_from: dt.date | None = None, valid_until: dt.date | None = None,
                abbreviation: str = "", locality: str = "") -> Unit:
    code = (code or "").strip()
    valid_from = valid_from or local_today()
    errors = _check_fields(code, name, kind, valid_from, valid_until)
    errors.update(_check_document_fields(abbreviation, locality))
    if errors:
        raise Invalid(_("The unit was not saved."), errors)
    if db.session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise Conflict(_("A unit with the code %(code)s exists already.", code=code),
                       {"code": _("This code is taken.")})
    unit = Unit(code=code, name=name.strip(), kind=kind, parent=parent,
                valid_from=valid_from, valid_until=valid_until,
                abbreviation=(abbreviation or "").strip(), locality=(locality or "").strip())
    db.session.add(unit)
    db.session.flush()
    return unit


def update_unit(unit: Unit, *, code: str, name: str, kind: str, parent: Unit | None,
                valid_from: dt.date, valid_until: dt.date | None, abbreviation: str | None = None,
                locality: str | None = None) -> Unit:
    """Change a unit; ``abbreviation`` and ``locality`` stay as they are when None."""
    code = (code or "").strip()
    errors = _check_fields(code, name, kind, valid_from, valid_until)
    errors.update(_check_document_fields(abbreviation or "", locality or ""))
    if parent is not None and _would_cycle(unit, parent):
        errors["parent"] = _("A unit cannot be placed under itself or under one of its own sub-units.")
    if errors:
        raise Invalid(_("The unit was not saved."), errors)
    if code != unit.code and db.session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
        raise Conflict(_("A unit with the code %(code)s exists already.", code=code),
                       {"code": _("This code is taken.")})
    unit.code, unit.name, unit.kind, unit.parent = code, name.strip(), kind, parent
    unit.valid_from, unit.valid_until = valid_from, valid_until
    if abbreviation is not None:
        unit.abbreviation = abbreviation.strip()
    if locality is not None:
        unit.locality = locality.strip()
    db.session.flush()
    return unit


def set_head(unit: Unit, user) -> None:
    """Make ``user`` the head of ``unit``: they belong to it and answer for its items."""
    if user is not None:
        user.unit = unit
        if user.role not in ("head", "admin"):
            user.role = "head"
    unit.head = user
    db.session.flush()


def merge_units(sources: list[Unit], successor: Unit, on: dt.date | None = None, actor=None) -> Unit:
    """Merge ``sources`` into ``successor`` from the day ``on``.

    The sources stop existing the day before; their sub-units move to the successor, and the
    people (feedback.auth) and every plugin move their own records (``feedback_units_merged``). Records that are
    history (answered items, statistics) keep pointing to the old unit, which stays readable.
    """
    on = on or local_today()
    errors = {}
    if not sources:
        errors["sources"] = _("Choose at least one unit to merge.")
    if any(source.id == successor.id for source in sources):
        errors["successor"] = _("A unit cannot be merged into itself.")
    if any(source.successor_id is not None for source in sources):
        errors["sources"] = _("One of these units was merged already.")
    if any(_would_cycle(source, successor) for source in sources):
        errors["successor"] = _("The successor cannot be one of the merged units' own sub-units.")
    if not successor.exists_on(on):
        errors["on"] = _("The successor does not exist on that day.")
    if any(on <= source.valid_from for source in sources):
        errors["on"] = _("The merge date must come after the merged units' start dates.")
    if errors:
        raise Invalid(_("The units were not merged."), errors)

    for source in sources:
        for child in list(source.children):
            child.parent = successor
        source.valid_until = on - dt.timedelta(days=1)
        source.successor = successor
        source.head = None
    db.session.flush()
    fire_event("feedback_units_merged", sources=sources, successor=successor, actor=actor)
    return successor


UNIT_COLUMNS = ("code", "name", "kind", "parent_code")
UNIT_OPTIONAL = ("valid_from", "valid_until")


def import_units(data: bytes | str) -> tuple[int, int]:
    """Create or update units from CSV (columns in UNIT_COLUMNS, dates optional).

    A parent may come later in the file than its children. Raises Invalid listing every bad
    row; the caller rolls back, so nothing is half-imported. Returns (created, updated).
    """
    reader = CsvReader(UNIT_COLUMNS, UNIT_OPTIONAL)
    parsed, seen = [], {}
    for row, values in reader.rows(data):
        code = reader.text(row, values, "code", 32)
        if code and not CODE_PATTERN.match(code):
            reader.error(row, "code", _("has characters a code cannot have: %(value)s", value=code))
        if code in seen:
            reader.error(row, "code", _("%(code)s appears already in row %(row)s", code=code, row=seen[code]))
        seen.setdefault(code, row)
        name = reader.text(row, values, "name", 255)
        kind = values.get("kind") or "other"
        if kind not in UNIT_KINDS:
            reader.error(row, "kind", _("unknown kind %(value)s; use one of %(kinds)s", value=kind, kinds=", ".join(UNIT_KINDS)))
        valid_from = reader.date(row, values, "valid_from")
        valid_until = reader.date(row, values, "valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            reader.error(row, "valid_until", _("is before valid_from"))
        parsed.append({"row": row, "code": code, "name": name, "kind": kind, "parent_code": values.get("parent_code", ""),
                       "valid_from": valid_from, "valid_until": valid_until})
    reader.check()

    dates_given = "valid_until" in reader.header
    wanted = set(seen) | {entry["parent_code"] for entry in parsed if entry["parent_code"]}
    existing = {unit.code: unit for unit in db.session.scalars(select(Unit).where(Unit.code.in_(wanted)))}
    created = updated = 0
    with db.session.no_autoflush:
        for entry in parsed:
            unit = existing.get(entry["code"])
            if unit is None:
                unit = Unit(code=entry["code"], valid_from=entry["valid_from"] or local_today())
                db.session.add(unit)
                existing[entry["code"]] = unit
                created += 1
            else:
                updated += 1
                if entry["valid_from"]:
                    unit.valid_from = entry["valid_from"]
            unit.name, unit.kind = entry["name"], entry["kind"]
            if dates_given:
                _set_end(reader, entry["row"], unit, entry["valid_until"])
            if unit.valid_until is not None and unit.valid_until < unit.valid_from:
                reader.error(entry["row"], "valid_from", _("is after the unit's end date %(end)s",
                                                           end=unit.valid_until.strftime("%d/%m/%Y")))

        for entry in parsed:
            row, parent_code, unit = entry["row"], entry["parent_code"], existing[entry["code"]]
            _link_parent(reader, row, unit, parent_code, existing)
    reader.check()
    db.session.flush()
    return created, updated


def _set_end(reader: CsvReader, row: int, unit: Unit, valid_until: dt.date | None) -> None:
    if valid_until is None and unit.successor_id is not None:
        reader.error(row, "valid_until", _("is empty, but %(code)s was merged and cannot exist again", code=unit.code))
    elif valid_until is not None and valid_until < unit.valid_from:
        reader.error(row, "valid_until", _("%(value)s is before the unit's start date %(start)s",
                                           value=valid_until.strftime("%d/%m/%Y"), start=unit.valid_from.strftime("%d/%m/%Y")))
    else:
        unit.valid_until = valid_until


def _link_parent(reader: CsvReader, row: int, unit: Unit, parent_code: str, known: dict) -> None:
    if not parent_code:
        unit.parent = None
        return
    parent = known.get(parent_code)
    if parent is None:
        reader.error(row, "parent_code", _("no unit has the code %(code)s", code=parent_code))
    elif _would_cycle(unit, parent):
        reader.error(row, "parent_code", _("%(code)s would make a cycle in the unit tree", code=parent_code))
    else:
        unit.parent = parent
