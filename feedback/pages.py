"""Public pages of the core: home, the unit tree, the procedure catalogue, and security.txt."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import select

from feedback.extensions import db
from feedback.hookspecs import hookimpl
from feedback.procedures.services import search_procedures
from feedback.units.models import Unit
from feedback.units.services import list_units, tree

bp = Blueprint("pages", __name__)

PAGE_SIZE = 50


@bp.route("/.well-known/security.txt")
def security_txt():
    """Whom to tell of a vulnerability (RFC 9116), when FEEDBACK_SECURITY_CONTACT is set."""
    import datetime as dt

    from feedback.links import public_url
    from feedback.timeutil import utcnow

    contact = current_app.config["SECURITY_CONTACT"].strip()
    if not contact:
        abort(404)
    if ":" not in contact:
        contact = f"mailto:{contact}"
    expires = (utcnow() + dt.timedelta(days=365)).replace(microsecond=0)
    lines = [f"Contact: {contact}", f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
             "Preferred-Languages: vi, en", f"Canonical: {public_url('pages.security_txt')}"]
    return "\n".join(lines) + "\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


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
