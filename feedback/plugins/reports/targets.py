"""A unit's own target for its satisfaction rate."""

from __future__ import annotations

from flask_babel import gettext as _

from feedback.errors import Invalid
from feedback.extensions import db
from feedback.plugins.reports.models import UnitTarget
from feedback.plugins.reports.results import find_unit
from feedback.timeutil import utcnow


def parse_target(text) -> float:
    """"0.98", "98%" or "98" → 0.98; Invalid unless it lies between 0 and 100%."""
    raw = str(text or "").strip().replace(",", ".")
    percent = raw.endswith("%")
    try:
        value = float(raw.rstrip("%").strip())
    except ValueError:
        value = None
    if value is not None and (percent or value > 1):
        value = value / 100
    if value is None or not 0 < value <= 1:
        raise Invalid(_("Give the target as a share between 0 and 1, such as 0.98."), {"target": _("Between 0 and 1.")})
    return round(value, 4)


def set_target(code: str, text) -> float | None:
    """Set (or with ``text`` None, remove) the unit's own target; returns it."""
    unit = find_unit(code)
    if unit is None:
        raise Invalid(_("No unit has this code."), {"unit": _("No unit has this code.")})
    existing = db.session.get(UnitTarget, unit.id)
    if text is None:
        if existing is not None:
            db.session.delete(existing)
        db.session.flush()
        return None
    value = parse_target(text)
    if existing is None:
        db.session.add(UnitTarget(unit_id=unit.id, target=value, set_at=utcnow()))
    else:
        existing.target, existing.set_at = value, utcnow()
    db.session.flush()
    return value
