"""The head's inbox, delegation, deadline rules, and the apology letters' PDF."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from feedback.auth.decorators import roles_required
from feedback.extensions import db
from feedback.errors import Invalid
from feedback.forms import Form, apply_errors, choices, commit_or_show_errors
from feedback.items.access import filer_item
from feedback.items.models import KINDS, TOPICS, Item, Response
from feedback.items.services import handles_reception, units_in_scope
from feedback.items.states import OPEN_STATUSES
from feedback.pagination import Keyset
from feedback.plugins.accountability import delegations
from feedback.plugins.accountability import rules as deadline_rules
from feedback.plugins.accountability.models import ApologyLetter, DeadlineRule
from feedback.plugins.accountability.transfers import period as transfer_period
from feedback.plugins.accountability.transfers import transfer_report
from feedback.timeutil import local_today, utcnow
from feedback.transaction import run
from feedback.units.models import Unit
from feedback.workdays import Calendar, local_deadline

bp = Blueprint("accountability", __name__, template_folder="templates")


# --- the inbox ------------------------------------------------------------------------------


@bp.route("/staff/inbox")
@login_required
def inbox():
    """Open items by urgency, a keyset page at a time in the order of their deadlines (the sections
    follow one another in that order); each heading counts its items on every page."""
    scope = units_in_scope(current_user)
    mine = None
    if scope is not None:
        mine = (Item.assignee_id == current_user.id) | Item.unit_id.in_(scope)
        # The reception desk's own items: those waiting for their unit.
        mine = mine | Item.unit_id.is_(None) if handles_reception(current_user) else mine
    query = select(Item).where(Item.status.in_(OPEN_STATUSES))
    if mine is not None:
        query = query.where(mine)
    # Obligations, drafts and units of every row in a few queries, not a few per row.
    query = query.options(selectinload(Item.obligations), selectinload(Item.responses), joinedload(Item.unit))
    try:
        items, next_cursor = INBOX_ORDER.page(query, request.args.get("cursor") or None,
                                              current_app.config["PAGE_SIZE"])
    except Invalid as exc:
        flash(str(exc.message), "error")
        return render_template("accountability/inbox.html", sections=[], next_url=None, first_page=False), 400
    now = utcnow()
    today_end = local_deadline(local_today())
    soon_end = local_deadline(Calendar.load().add_working_days(local_today(), current_app.config[
        "REMINDER_WORKING_DAYS_BEFORE"])[0])
    totals = _inbox_totals(mine, now, today_end, soon_end)
    drafts = [item for item in items if item.pending_draft is not None]
    sections = [
        ("overdue", _("Overdue"), [i for i in items if i.due_at and i.due_at < now]),
        ("today", _("Due today"), [i for i in items if i.due_at and now <= i.due_at <= today_end]),
        ("soon", _("Due soon"), [i for i in items if i.due_at and today_end < i.due_at <= soon_end]),
        ("approval", _("Drafts waiting for approval"), drafts),
        ("later", _("Later"), [i for i in items if not i.due_at or i.due_at > soon_end]),
    ]
    sections = [(key, title, rows, totals[key]) for key, title, rows in sections]
    next_url = url_for("accountability.inbox", cursor=next_cursor) if next_cursor else None
    return render_template("accountability/inbox.html", sections=sections, next_url=next_url,
                           first_page=not request.args.get("cursor"))


# Items without a deadline come last.
_NO_DEADLINE = dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc)
INBOX_ORDER = Keyset(salt="inbox-cursor", sort="due_asc", sort_value=func.coalesce(Item.due_at, _NO_DEADLINE),
                     id_column=Item.id, descending=False, key="due_at", missing=_NO_DEADLINE)


def _inbox_totals(mine, now: dt.datetime, today_end: dt.datetime, soon_end: dt.datetime) -> dict[str, int]:
    """How many open items each section holds on all pages: one query."""
    draft = select(Response.id).where(Response.item_id == Item.id, Response.published_at.is_(None),
                                      Response.discarded.is_(False)).exists()

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = select(
        count(Item.due_at < now),
        count((Item.due_at >= now) & (Item.due_at <= today_end)),
        count((Item.due_at > today_end) & (Item.due_at <= soon_end)),
        count(draft),
        count(Item.due_at.is_(None) | (Item.due_at > soon_end)),
    ).where(Item.status.in_(OPEN_STATUSES))
    if mine is not None:
        query = query.where(mine)
    return dict(zip(("overdue", "today", "soon", "approval", "later"), db.session.execute(query).one()))


# --- delegation -----------------------------------------------------------------------------


class DelegationForm(Form):
    delegate = SelectField(_l("Deputy"), choices=[], validate_choice=False)
    starts_on = DateField(_l("From"), validators=[InputRequired(_l("Enter a date."))])
    ends_on = DateField(_l("Until"), validators=[InputRequired(_l("Enter a date."))])
    reason = StringField(_l("Reason (e.g. business trip)"), validators=[Length(max=255)])


@bp.route("/staff/delegation", methods=["GET", "POST"])
@roles_required("head", "admin")
def delegation():
    unit = current_user.unit
    if unit is None or (unit.head_id != current_user.id and not current_user.is_admin):
        abort(403)
    form = DelegationForm()
    form.delegate.choices = choices([(str(u.id), u.name or u.email) for u in delegations.deputies(unit, current_user)])
    status = 200
    if form.validate_on_submit():
        made, refused = commit_or_show_errors(form, lambda: delegations.delegate(
            unit, current_user, form.delegate.data, form.starts_on.data, form.ends_on.data, form.reason.data))
        if not refused:
            flash(_("%(name)s receives the unit's items and may publish answers from %(start)s to %(end)s.",
                    name=made.delegate.name or made.delegate.email, start=made.starts_on.strftime("%d/%m/%Y"),
                    end=made.ends_on.strftime("%d/%m/%Y")), "success")
            return redirect(url_for("accountability.delegation"))
        status = refused
    elif form.errors:
        status = 422
    return render_template("accountability/delegation.html", form=form, unit=unit,
                           delegations=delegations.current_delegations(unit)), status


# --- deadline rules -------------------------------------------------------------------------


class RuleForm(Form):
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    topic = SelectField(_l("Topic"), choices=[], validate_choice=False)
    procedure = StringField(_l("Procedure code (optional)"), validators=[Length(max=64)])
    days = IntegerField(_l("Working days"), validators=[InputRequired(_l("Enter a whole number of days.")),
                                                        NumberRange(min=1, max=90, message=_l("Enter 1 to 90."))])
    legal_basis = TextAreaField(_l("Legal basis"), validators=[DataRequired(_l("Name the legal basis of the rule.")),
                                                              Length(max=1000)], render_kw={"rows": 2})


@bp.route("/admin/deadlines", methods=["GET", "POST"])
@roles_required("admin")
def rules():
    form = RuleForm()
    form.kind.choices = choices([("", _("Any kind"))] + list(KINDS.items()))
    form.topic.choices = choices([("", _("Any topic"))] + list(TOPICS.items()))
    status = 200
    if form.validate_on_submit():
        _rule, refused = commit_or_show_errors(form, lambda: deadline_rules.add_rule(
            kind=form.kind.data or None, topic=form.topic.data or None, procedure_code=form.procedure.data,
            days=form.days.data, legal_basis=form.legal_basis.data))
        if not refused:
            flash(_("The rule was saved. It applies to items assigned from now on."), "success")
            return redirect(url_for("accountability.rules"))
        status = refused
    elif form.errors:
        status = 422
    return render_template("accountability/rules.html", form=form, rules=deadline_rules.all_rules(),
                           defaults=current_app.config["DEADLINE_DAYS"],
                           default_basis=current_app.config["DEADLINE_LEGAL_BASIS"]), status


@bp.route("/admin/deadlines/<int:rule_id>/delete", methods=["POST"])
@roles_required("admin")
def delete_rule(rule_id: int):
    rule = db.session.get(DeadlineRule, rule_id) or abort(404)
    run(lambda: deadline_rules.delete_rule(rule))
    flash(_("The rule was deleted."), "success")
    return redirect(url_for("accountability.rules"))


# --- who transfers most ----------------------------------------------------------------------


class TransferPeriodForm(Form):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])


@bp.route("/admin/transfers")
@roles_required("admin")
def transfers():
    form = TransferPeriodForm(request.args)
    report, status = None, 200
    if form.validate():
        try:
            report = transfer_report(*transfer_period(form.date_from.data, form.date_to.data))
        except Invalid as exc:
            apply_errors(form, exc)
            status = 400
    else:
        status = 400
    return render_template("accountability/transfers.html", form=form, report=report,
                           limit=current_app.config["TRANSFER_LIMIT"]), status


# --- letters --------------------------------------------------------------------------------


def _pdf(letter: ApologyLetter):
    if letter.pdf is None:
        # Numbered by tick, its PDF is being made by a job.
        response = current_app.response_class(_("The letter is being prepared; try again in a minute."), status=503,
                                              mimetype="text/plain")
        response.headers["Retry-After"] = "60"
        return response
    response = current_app.response_class(letter.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{letter.item.code}-xin-loi-{letter.number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/staff/letters/<int:letter_id>.pdf")
@login_required
def staff_letter(letter_id: int):
    from feedback.items.services import can_handle

    letter = db.session.get(ApologyLetter, letter_id)
    if letter is None or not can_handle(current_user, letter.item):
        abort(404)  # another unit's letter: as if absent
    return _pdf(letter)


@bp.route("/track/<code>/letters/<int:letter_id>.pdf")
def filer_letter(code: str, letter_id: int):
    item = filer_item(code)
    letter = db.session.get(ApologyLetter, letter_id)
    if letter is None or letter.item_id != item.id:
        abort(404)
    return _pdf(letter)




# --- the report to the People's Committee ----------------------------------------------------


def _report_scope(code: str):
    """The unit a member of staff reports on: one of theirs (their unit by default); 404 otherwise."""
    from feedback.errors import Invalid
    from feedback.units.models import Unit

    scope = units_in_scope(current_user)
    if not code:
        unit = current_user.unit
        if unit is None:
            raise Invalid(_("Choose the unit to report on."), {"unit": _("Choose the unit to report on.")})
    else:
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or (scope is not None and unit.id not in scope):
        abort(404)
    return unit


def _committee_report(fmt: str):
    from flask import request

    from feedback.plugins.accountability import report as committee

    unit = _report_scope(request.args.get("unit", ""))
    figures = committee.build(unit, committee.parse_period(request.args.get("period", "")))
    name = f"bao-cao-phan-anh-kien-nghi-{unit.code}-{figures.period.slug}"
    if fmt == "pdf":
        body, mimetype = committee.pdf(figures), "application/pdf"
    else:
        body, mimetype = committee.xlsx(figures), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@bp.route("/staff/reports/committee")
@login_required
def committee_report():
    """The form, and the figures of the period asked for with their PDF and XLSX."""
    from flask import request

    from feedback.errors import Invalid
    from feedback.forms import unit_options
    from feedback.plugins.accountability import report as committee

    scope = units_in_scope(current_user)
    allowed = None if scope is None else set(db.session.scalars(select(Unit.code).where(Unit.id.in_(scope))))
    units = [(code, label) for code, label in unit_options(with_code=True) if allowed is None or code in allowed]
    asked = {"unit": request.args.get("unit", "") or (current_user.unit.code if current_user.unit else ""),
             "period": request.args.get("period", "")}
    figures, errors = None, {}
    if asked["period"]:
        try:
            figures = committee.build(_report_scope(asked["unit"]), committee.parse_period(asked["period"]))
        except Invalid as refusal:
            errors = refusal.fields or {"period": str(refusal.message)}
    return render_template("accountability/committee_report_page.html", units=units, asked=asked, figures=figures,
                           errors=errors, rows=committee.unit_rows(figures) if figures else [],
                           measures=committee.MEASURES, chart=committee.chart(figures) if figures else None,
                           counts=[(_("By channel"), committee.count_rows(figures.by_channel, committee.CHANNELS)),
                                   (_("By topic"), committee.count_rows(figures.by_topic, committee.TOPICS)),
                                   (_("By status"), committee.count_rows(figures.by_status, committee.STATUSES))]
                           if figures else []), 422 if errors else 200


@bp.route("/staff/reports/committee.pdf")
@login_required
def committee_report_pdf():
    return _committee_report("pdf")


@bp.route("/staff/reports/committee.xlsx")
@login_required
def committee_report_xlsx():
    return _committee_report("xlsx")
