"""The head's inbox, delegation, deadline rules, and the apology letters' PDF."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from feedback.auth.decorators import roles_required
from feedback.extensions import db
from feedback.errors import Invalid
from feedback.forms import Form, apply_errors, choices, commit_or_show_errors
from feedback.items.access import filer_item
from feedback.items.models import KINDS, TOPICS, Item
from feedback.items.services import handles_reception, units_in_scope
from feedback.items.states import OPEN_STATUSES
from feedback.plugins.accountability import delegations
from feedback.plugins.accountability import rules as deadline_rules
from feedback.plugins.accountability.models import ApologyLetter, DeadlineRule
from feedback.plugins.accountability.transfers import period as transfer_period
from feedback.plugins.accountability.transfers import transfer_report
from feedback.timeutil import local_today, utcnow
from feedback.transaction import run
from feedback.workdays import Calendar, local_deadline

bp = Blueprint("accountability", __name__, template_folder="templates")


# --- the inbox ------------------------------------------------------------------------------


@bp.route("/staff/inbox")
@login_required
def inbox():
    scope = units_in_scope(current_user)
    query = select(Item).where(Item.status.in_(OPEN_STATUSES)).options(selectinload(Item.obligations),
                                                                        selectinload(Item.unit))
    if scope is not None:
        mine = (Item.assignee_id == current_user.id) | Item.unit_id.in_(scope)
        # The reception desk's own items: those waiting for their unit.
        query = query.where(mine | Item.unit_id.is_(None) if handles_reception(current_user) else mine)
    items = db.session.scalars(query.order_by(Item.due_at.asc().nulls_last(), Item.id)).all()
    now = utcnow()
    today_end = local_deadline(local_today())
    soon_end = local_deadline(Calendar.load().add_working_days(local_today(), current_app.config[
        "REMINDER_WORKING_DAYS_BEFORE"])[0])
    drafts = [item for item in items if item.pending_draft is not None]
    sections = [
        ("overdue", _("Overdue"), [i for i in items if i.due_at and i.due_at < now]),
        ("today", _("Due today"), [i for i in items if i.due_at and now <= i.due_at <= today_end]),
        ("soon", _("Due soon"), [i for i in items if i.due_at and today_end < i.due_at <= soon_end]),
        ("approval", _("Drafts waiting for approval"), drafts),
        ("later", _("Later"), [i for i in items if not i.due_at or i.due_at > soon_end]),
    ]
    return render_template("accountability/inbox.html", sections=sections)


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


