"""The notification plugin's hook implementations: the outbox for every message asked for, its channels."""

from __future__ import annotations

from feedback.hookspecs import hookimpl

# E-mail (Flask-Mail's setting names) and an SMS gateway over HTTP. Without MAIL_SERVER, mail
# goes to .eml files in MAIL_OUTBOX_FOLDER; without SMS_GATEWAY_URL, SMS go to the log (phone
# numbers masked). A message being sent is left alone OUTBOX_SEND_LEASE_SECONDS by other jobs;
# after OUTBOX_SWEEP_AFTER_SECONDS without being sent, tick hands it to a job again (same key).
SETTINGS = {
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,  # nosec B105  # none: the operator sets it
    "MAIL_DEFAULT_SENDER": "phananh@localhost",
    "MAIL_OUTBOX_FOLDER": None,
    "SMS_GATEWAY_URL": None,
    "SMS_GATEWAY_METHOD": "POST",
    "SMS_GATEWAY_AUTH": None,
    "SMS_GATEWAY_BODY": '{"to": {to}, "text": {text}, "reference": {key}}',
    "SMS_GATEWAY_TIMEOUT": 10,
    "OUTBOX_SEND_LEASE_SECONDS": 120,
    "OUTBOX_SWEEP_AFTER_SECONDS": 300,
}


@hookimpl
def feedback_default_settings():
    return SETTINGS


@hookimpl
def feedback_register_blueprints(app):
    from feedback.plugins.notify.views import bp

    return [bp]


@hookimpl
def feedback_notification_channels():
    from feedback.plugins.notify.channels import EmailChannel, SmsChannel

    return [EmailChannel(), SmsChannel()]


@hookimpl
def feedback_messages_requested(messages):
    """Whatever any plugin asked to send: to the outbox, then to the channels from jobs."""
    from feedback.plugins.notify.services import queue

    queue(messages)


@hookimpl
def feedback_personal_data_erased(items, by):
    """Messages about these items forget whom they went to and what they said; those not sent yet
    are not sent."""
    from sqlalchemy import update

    from feedback.extensions import db
    from feedback.plugins.notify.models import OutboxMessage

    about = (OutboxMessage.owner_type == "item") & OutboxMessage.owner_id.in_([item.id for item in items])
    db.session.execute(update(OutboxMessage).where(about, OutboxMessage.status.in_(("pending", "sending")))
                       .values(status="failed", last_error="personal data erased before sending"))
    db.session.execute(update(OutboxMessage).where(about).values(recipient="", subject="", body="", attachment=None))


@hookimpl
def feedback_tick(now):
    from feedback.plugins.notify.services import sweep

    return f"{sweep(now)} messages handed to a job again"


@hookimpl
def feedback_template_slot(name, context):
    if name == "admin.menu":
        from flask import url_for
        from flask_babel import gettext as _
        from markupsafe import Markup, escape

        return Markup('<a href="%s">%s</a>') % (url_for("notify.outbox"), escape(_("Messages")))
    return None
