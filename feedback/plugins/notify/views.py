"""The administrators' view of the outbox: what waits, what failed, and a retry button."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from feedback.auth.decorators import roles_required
from feedback.extensions import db
from feedback.forms import commit_or_flash
from feedback.plugins.notify import sms
from feedback.plugins.notify.models import STATUSES, OutboxMessage
from feedback.plugins.notify.services import retry

bp = Blueprint("notify", __name__, url_prefix="/admin/messages", template_folder="templates")

STATUS_LABELS = {"pending": _l("Waiting"), "sending": _l("Being sent"), "sent": _l("Sent"), "failed": _l("Failed")}
# How a message travels (not the channel an item came in by).
MEDIUM_LABELS = {"sms": _l("SMS"), "email": _l("E-mail")}


@bp.app_template_global()
def message_status(name: str) -> str:
    return str(STATUS_LABELS.get(name, name))


@bp.app_template_global()
def message_medium(name: str) -> str:
    return str(MEDIUM_LABELS.get(name, name))


@bp.before_request
@roles_required("admin")
def admins_only():
    """Administrators only."""


@bp.route("")
def outbox():
    status = request.args.get("status", "failed")
    if status not in STATUSES:
        abort(404)
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == status)
                              .order_by(OutboxMessage.id.desc()).limit(200)).all()
    costs = {row.id: sms.cost(row.body) for row in rows if row.channel == "sms"}
    return render_template("notify/outbox.html", rows=rows, status=status, counts=counts, statuses=STATUSES,
                           costs=costs, segments=sum(cost.segments for cost in costs.values()),
                           plain=current_app.config["SMS_WITHOUT_DIACRITICS"])


@bp.route("/<int:message_id>/retry", methods=["POST"])
def retry_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    _retried, refused = commit_or_flash(lambda: retry(message))
    if refused:
        return redirect(url_for("notify.outbox", status="sent"))
    flash(_("The message was handed to a job again, with the same key."), "success")
    return redirect(url_for("notify.outbox", status="pending"))
