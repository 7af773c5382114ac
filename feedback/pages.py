"""Public pages of the core: home, the unit tree, and the procedure catalogue."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from feedback.extensions import db
from feedback.hookspecs import hookimpl
from feedback.procedures.services import search_procedures
from feedback.units.models import Unit
from feedback.units.services import list_units, tree

bp = Blueprint("pages", __name__)

PAGE_SIZE = 50


@bp.route("/")
def home():
    return render_template("pages/home.html")


@bp.route("/units")
def units():
    return render_template("pages/units.html", rows=tree(list_units(current_only=True)))


@bp.route("/units/<code>")
def unit(code: str):
    found = db.session.scalar(select(Unit).where(Unit.code == code))
    if found is None:
        abort(404)
    procedures = search_procedures(unit=found, limit=PAGE_SIZE)
    return render_template("pages/unit.html", unit=found, procedures=procedures)


@bp.route("/procedures")
def procedures():
    q = request.args.get("q", "").strip()[:200]
    after = request.args.get("after") or None
    unit = db.session.scalar(select(Unit).where(Unit.code == request.args.get("unit"))) if request.args.get("unit") else None
    rows = search_procedures(q=q, unit=unit, after=after, limit=PAGE_SIZE + 1)
    next_after = rows[PAGE_SIZE - 1].code if len(rows) > PAGE_SIZE else None
    return render_template("pages/procedures.html", procedures=rows[:PAGE_SIZE], q=q, unit=unit,
                           next_after=next_after, units=list_units(current_only=True))


@hookimpl
def feedback_register_blueprints(app):
    return [bp]
