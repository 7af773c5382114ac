"""The notification plugin's hook implementations: what is said to whom, and when."""

from __future__ import annotations

from feedback.hookspecs import hookimpl


@hookimpl
def feedback_register_blueprints(app):
    from feedback.plugins.notify.views import bp

    return [bp]


@hookimpl
def feedback_notification_channels():
    from feedback.plugins.notify.channels import EmailChannel, SmsChannel

    return [EmailChannel(), SmsChannel()]


@hookimpl
def feedback_item_filed(item):
    from feedback.plugins.notify.services import tell_filer

    tell_filer(item, "filed")


FILER_KIND = {"assign": "assigned", "transfer": "transferred", "extend": "extended", "respond": "responded",
              "reject": "status", "merge": "status", "close": "status", "reopen": "status"}


@hookimpl
def feedback_item_status_changed(item, old, new, actor, action, event):
    from feedback.plugins.notify.services import tell_filer, tell_staff

    kind = FILER_KIND.get(action)
    if kind is not None:
        tell_filer(item, kind)
    if action in ("assign", "transfer") and item.assignee is not None and item.assignee != actor:
        tell_staff(item.assignee, item, "new_item")


@hookimpl
def feedback_item_reminded(item, recipient, kind):
    from feedback.plugins.notify.services import tell_staff

    tell_staff(recipient, item, "reminder")


@hookimpl
def feedback_item_escalated(item, unit, head):
    from feedback.plugins.notify.services import tell_staff

    tell_staff(head, item, "escalation")


@hookimpl
def feedback_apology_issued(item, letter):
    from feedback.plugins.notify.services import tell_filer

    tell_filer(item, "apology", attachment=letter.pdf, attachment_name=f"xin-loi-{item.code}.pdf",
               date=letter.new_appointment.strftime("%d/%m/%Y"))


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
