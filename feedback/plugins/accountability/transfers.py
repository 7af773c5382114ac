"""Who transfers most: the transfers staff made over a period, by unit that passed items on, by
person and by reason, from the event log (grouped in SQL)."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from feedback.auth.models import User
from feedback.errors import Invalid
from feedback.extensions import db
from feedback.items.models import ItemEvent
from feedback.items.services import transfer_reasons
from feedback.timeutil import local_day_bounds, local_today
from feedback.units.models import Unit


def period(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period asked for, by default the year so far; Invalid when it ends before it starts."""
    date_to = date_to or local_today()
    date_from = date_from or date_to.replace(month=1, day=1)
    if date_to < date_from:
        raise Invalid(_("The period ends before it starts."), {"date_to": _("Give a day after “from”.")})
    return date_from, date_to


def transfer_report(date_from: dt.date, date_to: dt.date) -> dict:
    """``{"units": [...], "people": [...], "reasons": [...], "total": n}``, each list most first: how
    many transfers, and how many of them were made after the item's deadline had passed."""
    start, end = local_day_bounds(date_from, date_to)
    made = (ItemEvent.action == "transfer", ItemEvent.actor_kind == "staff", ItemEvent.at >= start, ItemEvent.at < end)
    late = func.sum(case((ItemEvent.data["late"].as_boolean().is_(True), 1), else_=0))
    from_unit = ItemEvent.data["from_unit"].as_string()
    grounds = ItemEvent.data["grounds"].as_string()

    by_unit = db.session.execute(select(from_unit, func.count(ItemEvent.id), late).where(*made)
                                 .group_by(from_unit)).all()
    names = dict(db.session.execute(select(Unit.code, Unit.name).where(
        Unit.code.in_([row[0] for row in by_unit if row[0]]))).all()) if by_unit else {}
    units = sorted(({"unit": code, "name": names.get(code, _("Reception queue") if code is None else code),
                     "transfers": number, "late": int(number_late or 0)} for code, number, number_late in by_unit),
                   key=lambda row: (-row["transfers"], row["unit"] or ""))

    people = [{"name": name or email, "email": email, "unit": unit_name, "transfers": number,
               "late": int(number_late or 0)} for name, email, unit_name, number, number_late in db.session.execute(
        select(User.name, User.email, Unit.name, func.count(ItemEvent.id), late)
        .join(User, User.id == ItemEvent.actor_id).outerjoin(Unit, Unit.id == User.unit_id)
        .where(*made).group_by(User.id, User.name, User.email, Unit.name)
        .order_by(func.count(ItemEvent.id).desc(), User.email))]

    known = transfer_reasons()
    reasons = sorted(({"code": code, "label": known[code]["label"] if code in known else (code or "—"),
                       "legal_basis": known[code]["legal_basis"] if code in known else "", "transfers": number}
                      for code, number in db.session.execute(
                          select(grounds, func.count(ItemEvent.id)).where(*made).group_by(grounds))),
                     key=lambda row: (-row["transfers"], row["code"] or ""))
    return {"date_from": date_from, "date_to": date_to, "units": units, "people": people, "reasons": reasons,
            "total": sum(row["transfers"] for row in units)}
