"""The accountability plugin's hook implementations."""

from __future__ import annotations

from feedback.hookspecs import hookimpl

SETTINGS = {
    # Working days to answer when no deadline rule applies, and the basis shown for them.
    "DEADLINE_DAYS": {"complaint": 10, "petition": 15},
    "DEADLINE_LEGAL_BASIS": "Quy chế tiếp nhận, xử lý phản ánh, kiến nghị của đơn vị",
    "DEADLINE_ON_TRANSFER": "restart",
    "APOLOGY_NEW_APPOINTMENT_DAYS": 5,
    # Working days the reception desk has to route an item filed without a unit.
    "ROUTING_DEADLINE_DAYS": 2,
    # Working days after an escalation before an item still unanswered climbs one level higher.
    "ESCALATION_STEP_DAYS": 3,
    # Units with fewer items than this in the period are flagged next to their rate.
    "RATE_MIN_ITEMS": 10,
}


@hookimpl
def feedback_add_hookspecs(pm):
    from feedback.plugins.accountability import hookspecs

    pm.add_hookspecs(hookspecs)


@hookimpl
def feedback_default_settings():
    return SETTINGS


@hookimpl
def feedback_message_templates():
    from feedback.plugins.accountability.messages import TEMPLATES

    return TEMPLATES


@hookimpl
def feedback_register_blueprints(app):
    from feedback.api.core import register_api
    from feedback.plugins.accountability.api import stats_bp
    from feedback.plugins.accountability.views import bp

    register_api(app, stats_bp)
    return [bp]


@hookimpl
def feedback_register_commands(cli, app):
    from feedback.plugins.accountability.cli import accountability, committee_report

    cli.add_command(committee_report)
    cli.add_command(accountability)


@hookimpl
def feedback_item_assignee(item):
    """The head of the item's unit, or the deputy named while the head is away."""
    from feedback.plugins.accountability.services import assignee_for

    return assignee_for(item)


@hookimpl
def feedback_item_may_answer(item, user):
    from feedback.plugins.accountability.services import may_answer

    return may_answer(item, user)


@hookimpl
def feedback_item_deadline(item, start, cause, days):
    """N working days by the most specific rule, counted from the day of receipt."""
    from feedback.plugins.accountability.services import compute_deadline

    return compute_deadline(item, start, cause, days)


@hookimpl
def feedback_item_status_changed(item, old, new, actor, action, event):
    if action == "respond":
        from feedback.plugins.accountability.services import record_answer

        record_answer(item)


@hookimpl
def feedback_obligations_due(owner_type, notices, now):
    """Items due soon, due today or overdue: remind the assignee and the head, escalate to the parent unit."""
    if owner_type == "item":
        from feedback.plugins.accountability.services import tell_due

        tell_due(notices, now)


@hookimpl
def feedback_personal_data_erased(items, by):
    """Letters of apology name the filer: they are made again, addressed to "Ông/Bà"."""
    from sqlalchemy import select, update

    from feedback import jobs
    from feedback.extensions import db
    from feedback.plugins.accountability.models import ApologyLetter
    from feedback.plugins.accountability.services import RENDER_LETTER_JOB

    ids = [item.id for item in items]
    letters = db.session.scalars(select(ApologyLetter.id).where(ApologyLetter.item_id.in_(ids))).all()
    if letters:
        db.session.execute(update(ApologyLetter).where(ApologyLetter.id.in_(letters)).values(pdf=None))
        for letter_id in letters:
            jobs.enqueue(RENDER_LETTER_JOB, letter_id)


@hookimpl
def feedback_tick(now):
    """Reminders, escalations and letters; then the monthly summaries of closed months that are due."""
    from feedback.plugins.accountability.services import tick
    from feedback.plugins.accountability.summaries import refresh

    summary = tick(now)
    refresh(now)
    return summary


@hookimpl
def feedback_unit_statistics(units, date_from, date_to, by_month):
    """On-time figures: received, answered on time and late, open and overdue, time to answer."""
    from feedback.plugins.accountability.stats import monthly_figures, unit_figures

    unit_ids = None if units is None else {unit.id for unit in units}
    return (monthly_figures if by_month else unit_figures)(date_from, date_to, unit_ids)


@hookimpl
def feedback_template_slot(name, context):
    if name == "staff.menu":
        from flask import url_for
        from flask_babel import gettext as _
        from markupsafe import Markup, escape

        return Markup('<li><a href="%s">%s</a></li>') % (url_for("accountability.inbox"), escape(_("My inbox")))
    if name == "admin.menu":
        from flask import url_for
        from flask_babel import gettext as _
        from markupsafe import Markup, escape

        return (Markup('<a href="%s">%s</a>') % (url_for("accountability.rules"), escape(_("Deadlines"))) +
                Markup('<a href="%s">%s</a>') % (url_for("accountability.transfers"), escape(_("Transfers"))))
    if name == "item.after_status":
        from flask import render_template

        # From the item's event log, which the page loaded already: a slot makes no query.
        letters = [event.data for event in context["item"].events if event.action == "apology_issued"]
        if letters:
            from markupsafe import Markup

            # A rendered template, escaped by Jinja.
            html = render_template("accountability/_letters.html", letters=letters, item=context["item"],
                                   filer=context.get("filer", False), staff=context.get("staff", False))
            return Markup(html)  # nosec B704
    return None
