"""Writing messages to the outbox (inside the causing transaction) and sending them (in a job)."""

from __future__ import annotations

import datetime as dt
import uuid

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, or_, select

from feedback import jobs
from feedback.errors import Conflict
from feedback.extensions import db
from feedback.pluginmanager import hook
from feedback.plugins.notify import sms
from feedback.plugins.notify.channels import DeliveryError
from feedback.plugins.notify.models import OutboxMessage
from feedback.timeutil import utcnow

SEND_JOB = "feedback.plugins.notify.services.send"


class DeliveryFailed(DeliveryError):
    """A try failed (whatever the channel raised); the message says why, with the recipient masked."""


def queue(messages) -> int:
    """Write the messages asked for (feedback.messages.Message) to the outbox, and send each from a
    job after the commit. A key already in the outbox is not written again. Three statements for
    any number of messages."""
    keys = {message.key for message in messages}
    if not keys:
        return 0
    known = set(db.session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys))))
    now, rows = utcnow(), []
    plain = current_app.config["SMS_WITHOUT_DIACRITICS"]
    for message in messages:
        if message.key in known:
            continue
        known.add(message.key)
        body = sms.without_diacritics(message.body) if plain and message.channel == "sms" else message.body
        rows.append({"key": message.key, "channel": message.channel, "kind": message.kind,
                     "recipient": message.address, "subject": message.subject, "body": body,
                     "owner_type": message.owner_type, "owner_id": message.owner_id, "reference": message.reference,
                     "link": message.link, "attachment": message.attachment,
                     "attachment_name": message.attachment_name, "enqueued_at": now})
    if not rows:
        return 0
    db.session.execute(insert(OutboxMessage), rows)
    written = db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.key.in_([row["key"] for row in rows])).order_by(OutboxMessage.id)).all()
    for message_id in written:
        jobs.enqueue(SEND_JOB, message_id)
    return len(written)


def queue_message(channel: str, kind: str, recipient: str, subject: str, body: str, *,
                  owner: tuple[str, int | None] | None = None, attachment: bytes | None = None,
                  attachment_name: str = "") -> OutboxMessage:
    """One message written directly to the outbox, with a key of its own."""
    owner_type, owner_id = owner or (None, None)
    if channel == "sms" and current_app.config["SMS_WITHOUT_DIACRITICS"]:
        body = sms.without_diacritics(body)
    message = OutboxMessage(key=uuid.uuid4().hex, channel=channel, kind=kind, recipient=recipient, subject=subject,
                            body=body, owner_type=owner_type, owner_id=owner_id, attachment=attachment,
                            attachment_name=attachment_name, enqueued_at=utcnow())
    db.session.add(message)
    db.session.flush()
    jobs.enqueue(SEND_JOB, message.id)
    return message


def channels() -> dict:
    found = {}
    for group in hook().feedback_notification_channels():
        for channel in group or ():
            found.setdefault(channel.name, channel)
    return found


def send(message_id: int) -> str:
    """The job: send one message, once. Safe to run again, twice at a time, or after a crash."""
    config = current_app.config
    query = select(OutboxMessage).where(OutboxMessage.id == message_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    message = db.session.scalar(query)
    now = utcnow()
    if message is None or message.status in ("sent", "failed"):
        db.session.rollback()
        return "nothing to do"
    lease = dt.timedelta(seconds=config["OUTBOX_SEND_LEASE_SECONDS"])
    if message.status == "sending" and message.sending_since and now - message.sending_since < lease:
        db.session.rollback()
        return "being sent by another job"
    message.status, message.sending_since = "sending", now
    message.attempts += 1
    db.session.commit()

    channel = channels().get(message.channel)
    try:
        if channel is None:
            raise RuntimeError(f"no channel {message.channel!r}")
        channel.send(message)
    except Exception as exc:
        # Servers quote the address they refuse: keep it out of the page and the logs.
        error = f"{exc.__class__.__name__}: {exc}".replace(message.recipient, message.masked_recipient)
        message.last_error = error[:500]
        message.status = "failed" if message.attempts > config["JOB_RETRIES"] else "pending"
        message.sending_since = None
        db.session.commit()
        raise DeliveryFailed(error) from None
    message.status, message.sent_at, message.sending_since, message.last_error = "sent", utcnow(), None, ""
    db.session.commit()
    return "sent"


def sweep(now: dt.datetime) -> int:
    """Hand to a job again every message whose job was lost (Redis restarted, a worker killed)."""
    stale = now - dt.timedelta(seconds=current_app.config["OUTBOX_SWEEP_AFTER_SECONDS"])
    lease = now - dt.timedelta(seconds=current_app.config["OUTBOX_SEND_LEASE_SECONDS"])
    rows = db.session.scalars(select(OutboxMessage).where(
        or_(OutboxMessage.status == "pending", (OutboxMessage.status == "sending") & (OutboxMessage.sending_since < lease)),
        or_(OutboxMessage.enqueued_at.is_(None), OutboxMessage.enqueued_at < stale),
    ).order_by(OutboxMessage.id).limit(1000)).all()
    for message in rows:
        message.enqueued_at = now
        jobs.enqueue(SEND_JOB, message.id)
    return len(rows)


def retry(message: OutboxMessage) -> None:
    """An administrator sends a failed (or stuck) message again, with the same key; Conflict for a
    message sent already, which is never sent twice."""
    if message.status == "sent":
        raise Conflict(_("This message was sent already; it is not sent twice."))
    message.status, message.sending_since, message.enqueued_at = "pending", None, utcnow()
    message.attempts = min(message.attempts, current_app.config["JOB_RETRIES"])
    jobs.enqueue(SEND_JOB, message.id)
