"""Deadline rules that administrators set: N working days for a kind, a topic and/or a procedure."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from feedback.errors import Invalid
from feedback.extensions import db
from feedback.plugins.accountability.models import DeadlineRule
from feedback.procedures.models import Procedure


def _same(column, value):
    return column.is_(None) if value is None else column == value


def add_rule(*, kind: str | None, topic: str | None, procedure_code: str, days: int, legal_basis: str) -> DeadlineRule:
    """A new rule for items assigned from now on; Invalid for an unknown procedure or a rule of the
    same kind, topic and procedure that exists already."""
    procedure, errors = None, {}
    if procedure_code.strip():
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == procedure_code.strip()))
        if procedure is None:
            errors["procedure"] = _("No procedure has this code.")
    clash = db.session.scalar(select(DeadlineRule.id).where(
        _same(DeadlineRule.kind, kind), _same(DeadlineRule.topic, topic),
        _same(DeadlineRule.procedure_id, procedure.id if procedure else None)))
    if clash is not None:
        errors["days"] = _("A rule for the same kind, topic and procedure exists: delete it first.")
    if errors:
        raise Invalid(_("Nothing was saved: please correct the marked fields."), errors)
    rule = DeadlineRule(kind=kind, topic=topic, procedure=procedure, days=days, legal_basis=legal_basis)
    db.session.add(rule)
    db.session.flush()
    return rule


def delete_rule(rule: DeadlineRule) -> None:
    """Items assigned from now on follow the next most specific rule (or the default)."""
    db.session.delete(rule)
    db.session.flush()


def all_rules() -> list[DeadlineRule]:
    return list(db.session.scalars(select(DeadlineRule).order_by(DeadlineRule.id)))
