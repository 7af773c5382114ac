"""Delegation: while the head is away, a member of the unit receives its items and may publish answers."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from feedback.auth.models import User
from feedback.errors import Invalid
from feedback.extensions import db
from feedback.plugins.accountability.models import Delegation
from feedback.timeutil import local_today
from feedback.units.models import Unit


def deputies(unit: Unit, head: User) -> list[User]:
    """Who the head may name: the active members of the unit but the head, by name."""
    return list(db.session.scalars(select(User).where(User.unit_id == unit.id, User.id != head.id,
                                                      User.active.is_(True)).order_by(User.name)))


def delegate(unit: Unit, head: User, deputy_id: str, starts_on: dt.date, ends_on: dt.date,
             reason: str = "") -> Delegation:
    """The head names a deputy from ``starts_on`` to ``ends_on``; Invalid for someone outside the
    unit or a period that ends before it starts or in the past."""
    deputy = next((user for user in deputies(unit, head) if str(user.id) == deputy_id), None)
    if deputy is None:
        problem = {"delegate": _("Choose a member of your unit.")}
    elif ends_on < starts_on:
        problem = {"ends_on": _("The end date is before the start date.")}
    elif ends_on < local_today():
        problem = {"ends_on": _("The end date is in the past.")}
    else:
        problem = None
    if problem:
        raise Invalid(_("Nothing was saved: please correct the marked fields."), problem)
    delegation = Delegation(unit_id=unit.id, delegate_id=deputy.id, starts_on=starts_on, ends_on=ends_on,
                            reason=reason or "", created_by_id=head.id)
    db.session.add(delegation)
    db.session.flush()
    return delegation


def current_delegations(unit: Unit) -> list[Delegation]:
    """The unit's delegations that have not ended, in order."""
    return list(db.session.scalars(select(Delegation).where(Delegation.unit_id == unit.id,
                                                            Delegation.ends_on >= local_today())
                                   .order_by(Delegation.starts_on)))
