"""Admin screens: thin views that parse a form, call a service, and redirect."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import func, select

from feedback.admin.forms import CalendarChangeForm, ImportForm, MergeForm, ProcedureForm, UnitForm
from feedback.auth.forms import UserForm
from feedback.auth.models import User
from feedback.auth.services import create_user, end_sessions, revoke_token, token_visible_to, tokens_of, update_user
from feedback.auth.decorators import roles_required
from feedback.extensions import db
from feedback.forms import choices, commit_or_show_errors, unit_options
from feedback.procedures.models import Procedure
from feedback.procedures.services import import_procedures, save_procedure, search_procedures
from feedback.timeutil import local_today
from feedback.transaction import run
from feedback.units.models import Unit
from feedback.units.services import create_unit, import_units, list_units, merge_units, tree, update_unit
from feedback.workdays import Calendar, CalendarChange, record_calendar_change, remove_calendar_change

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.before_request
@roles_required("admin")
def admins_only():
    """Every admin screen is for administrators; other staff work from their own pages."""


def unit_choices(blank: str | None = None) -> list:
    return choices(unit_options(blank))


def unit_by_code(code: str | None) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code)) if code else None


def saved_or_rerender(save, form, template: str, success: str, target: str, **context):
    result, refused = commit_or_show_errors(form, save)
    if refused:
        return render_template(template, form=form, **context), 422
    flash(success(result) if callable(success) else success, "success")
    return redirect(target)


@bp.route("/")
def index():
    counts = {
        "units": db.session.scalar(select(func.count(Unit.id))),
        "users": db.session.scalar(select(func.count(User.id))),
        "procedures": db.session.scalar(select(func.count(Procedure.id))),
    }
    return render_template("admin/index.html", counts=counts)


# --- units ---------------------------------------------------------------------------------


@bp.route("/units")
def units():
    return render_template("admin/units.html", rows=tree(list_units()))


@bp.route("/units/new", methods=["GET", "POST"])
@bp.route("/units/<code>/edit", methods=["GET", "POST"], endpoint="edit_unit")
def unit_form(code: str | None = None):
    unit = unit_by_code(code) if code else None
    if code and unit is None:
        abort(404)
    form = UnitForm(obj=unit)
    form.parent.choices = unit_choices(blank=_("(none: top of the tree)"))
    if request.method == "GET" and unit is not None:
        form.parent.data = unit.parent.code if unit.parent else ""
    if not form.validate_on_submit():
        return render_template("admin/unit_form.html", form=form, unit=unit), 422 if form.errors else 200
    parent = unit_by_code(form.parent.data)
    values = dict(code=form.code.data, name=form.name.data, kind=form.kind.data, parent=parent,
                  valid_from=form.valid_from.data, valid_until=form.valid_until.data)
    if unit is None:
        return saved_or_rerender(lambda: create_unit(**values), form, "admin/unit_form.html",
                                 _("The unit was created."), url_for("admin.units"), unit=None)
    return saved_or_rerender(lambda: update_unit(unit, **values), form, "admin/unit_form.html",
                             _("The unit was saved."), url_for("admin.units"), unit=unit)


@bp.route("/units/merge", methods=["GET", "POST"])
def merge():
    form = MergeForm()
    form.sources.choices = unit_choices()
    form.successor.choices = unit_choices(blank="")
    if not form.validate_on_submit():
        return render_template("admin/merge.html", form=form), 422 if form.errors else 200
    sources = [unit_by_code(code) for code in form.sources.data]
    successor = unit_by_code(form.successor.data)
    if successor is None or None in sources:
        abort(400)
    return saved_or_rerender(lambda: merge_units(sources, successor, form.on.data, actor=current_user),
                             form, "admin/merge.html", _("The units were merged."), url_for("admin.units"))


@bp.route("/units/import", methods=["GET", "POST"])
def import_units_view():
    return _import(import_units, _("Units"), "code,name,kind,parent_code,valid_from,valid_until", url_for("admin.units"))


def _import(importer, title: str, columns: str, target: str):
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("admin/import.html", form=form, title=title, columns=columns), 422 if form.errors else 200
    data = form.file.data.read()  # once: the transaction boundary may run the import again
    return saved_or_rerender(
        lambda: importer(data), form, "admin/import.html",
        lambda counts: _("%(created)s created, %(updated)s updated.", created=counts[0], updated=counts[1]),
        target, title=title, columns=columns)


# --- users ---------------------------------------------------------------------------------


@bp.route("/users")
def users():
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"], endpoint="edit_user")
def user_form(user_id: int | None = None):
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    form = UserForm(obj=user)
    form.unit.choices = unit_choices(blank=_("(no unit)"))
    if request.method == "GET" and user is not None:
        form.unit.data = user.unit.code if user.unit else ""
    tokens = tokens_of(user, include_ended=True) if user is not None else []
    if not form.validate_on_submit():
        return render_template("admin/user_form.html", form=form, user=user, tokens=tokens), 422 if form.errors else 200
    unit = unit_by_code(form.unit.data)
    if user is None:
        return saved_or_rerender(
            lambda: create_user(form.email.data, form.password.data or "", form.role.data, unit=unit,
                                name=form.name.data, title=form.title.data),
            form, "admin/user_form.html", _("The account was created."), url_for("admin.users"), user=None)
    answer = saved_or_rerender(
        lambda: update_user(user, name=form.name.data, title=form.title.data, role=form.role.data,
                            active=form.active.data, unit=unit, password=form.password.data or ""),
        form, "admin/user_form.html", _("The account was saved."), url_for("admin.users"), user=user, tokens=tokens)
    _stay_signed_in(user)
    return answer


def _stay_signed_in(user: User) -> None:
    """An administrator who ended their own sessions goes on in this browser (a new generation)."""
    if user.id == current_user.id and user.active and user.is_admin:
        login_user(user)


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
def end_user_sessions(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    revoked = run(lambda: end_sessions(user))
    _stay_signed_in(user)
    flash(_("Every session of %(email)s has ended; API tokens revoked: %(count)s.", email=user.email, count=revoked),
          "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_user_token(user_id: int, token_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if token_visible_to(token_id, current_user).user_id != user.id:
        abort(404)
    run(lambda: revoke_token(token_id, current_user))
    flash(_("The token was revoked."), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


# --- procedures ----------------------------------------------------------------------------


@bp.route("/procedures")
def procedures():
    q = request.args.get("q", "").strip()[:200]
    after = request.args.get("after") or None
    unit = unit_by_code(request.args.get("unit"))
    page_size = 50
    rows = search_procedures(q=q, unit=unit, after=after, limit=page_size + 1)
    next_after = rows[page_size - 1].code if len(rows) > page_size else None
    return render_template("admin/procedures.html", procedures=rows[:page_size], q=q, unit=unit,
                           next_after=next_after, units=unit_options(blank=_("All units")))


@bp.route("/procedures/new", methods=["GET", "POST"])
@bp.route("/procedures/<code>/edit", methods=["GET", "POST"], endpoint="edit_procedure")
def procedure_form(code: str | None = None):
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == code)) if code else None
    if code and procedure is None:
        abort(404)
    form = ProcedureForm(obj=procedure)
    form.unit.choices = unit_choices(blank="")
    if request.method == "GET" and procedure is not None:
        form.unit.data = procedure.unit.code
        form.online_level.data = str(procedure.online_level or "")
    if not form.validate_on_submit():
        return render_template("admin/procedure_form.html", form=form, procedure=procedure), 422 if form.errors else 200
    values = dict(code=form.code.data, name=form.name.data, field=form.field.data, unit=unit_by_code(form.unit.data),
                  processing_days=form.processing_days.data, fee=form.fee.data,
                  online_level=int(form.online_level.data) if form.online_level.data else None,
                  postal_return=form.postal_return.data)
    return saved_or_rerender(lambda: save_procedure(procedure, **values), form, "admin/procedure_form.html",
                             _("The procedure was saved."), url_for("admin.procedures"), procedure=procedure)


@bp.route("/procedures/import", methods=["GET", "POST"])
def import_procedures_view():
    return _import(import_procedures, _("Procedures"),
                   "code,name,field,unit_code,processing_days,fee,online_level,postal_return", url_for("admin.procedures"))


# --- the working-day calendar ---------------------------------------------------------------


@bp.route("/calendar", methods=["GET", "POST"])
def calendar():
    form = CalendarChangeForm()
    status = 200
    if form.validate_on_submit():
        _change, refused = commit_or_show_errors(form, lambda: record_calendar_change(
            form.day.data, form.working.data == "working", form.name.data, current_user))
        if not refused:
            flash(_("The calendar was changed; the deadlines of open items were recounted."), "success")
            return redirect(url_for("admin.calendar"))
        status = refused
    elif form.errors:
        status = 422
    changes = db.session.scalars(select(CalendarChange).order_by(CalendarChange.day.desc())).all()
    year = local_today().year
    official = Calendar()
    holidays = [(day, official.why_not_working(day)) for day in _days_off(official, year)]
    return render_template("admin/calendar.html", form=form, changes=changes, holidays=holidays, year=year), status


def _days_off(calendar, year: int) -> list:
    """Weekdays off in the official calendar of ``year`` and the next."""
    import datetime as dt

    day, end, found = dt.date(year, 1, 1), dt.date(year + 1, 12, 31), []
    while day <= end:
        if day.weekday() < 5 and not calendar.is_working_day(day):
            found.append(day)
        day += dt.timedelta(days=1)
    return found


@bp.route("/calendar/<int:change_id>/delete", methods=["POST"])
def delete_calendar_change(change_id: int):
    change = db.session.get(CalendarChange, change_id) or abort(404)
    run(lambda: remove_calendar_change(change, current_user))
    flash(_("The change was removed; the deadlines of open items were recounted."), "success")
    return redirect(url_for("admin.calendar"))
