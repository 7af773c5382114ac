"""The two built-in channels: e-mail over SMTP (or .eml files) and SMS over an HTTP gateway (or the log)."""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app

from feedback.plugins.notify.models import OutboxMessage, mask_address

log = logging.getLogger(__name__)


class DeliveryError(RuntimeError):
    """The channel could not deliver now; the job is retried with the same key."""


class EmailChannel:
    name = "email"

    def build(self, message: OutboxMessage) -> EmailMessage:
        config = current_app.config
        mail = EmailMessage()
        mail["From"] = config["MAIL_DEFAULT_SENDER"]
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        domain = config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "feedback"
        # The same Message-ID on every try: a server or reader that honours it shows one message.
        mail["Message-ID"] = f"<{message.key}@{domain}>"
        mail.set_content(message.body)
        if message.attachment:
            mail.add_attachment(message.attachment, maintype="application", subtype="pdf",
                                filename=message.attachment_name or "thu.pdf")
        return mail

    def send(self, message: OutboxMessage) -> None:
        config = current_app.config
        mail = self.build(message)
        if not config["MAIL_SERVER"]:
            folder = config["MAIL_OUTBOX_FOLDER"] or os.path.join(current_app.instance_path, "mail")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, f"{message.key}.eml"), "wb") as handle:
                handle.write(mail.as_bytes())
            return
        try:
            if config["MAIL_USE_SSL"]:
                client = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
            with client:
                if config["MAIL_USE_TLS"]:
                    client.starttls(context=ssl.create_default_context())
                if config["MAIL_USERNAME"]:
                    client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
                client.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP: {exc.__class__.__name__}: {exc}") from exc


class SmsChannel:
    name = "sms"

    def request(self, message: OutboxMessage) -> urllib.request.Request:
        config = current_app.config
        # {to}, {text} and {key} are replaced by JSON strings; the rest of the template is the
        # provider's own (JSON, or a form), so plain replacement rather than str.format.
        body = config["SMS_GATEWAY_BODY"]
        for name, value in (("{to}", message.recipient), ("{text}", message.body), ("{key}", message.key)):
            body = body.replace(name, json.dumps(value, ensure_ascii=False))
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.key}
        if config["SMS_GATEWAY_AUTH"]:
            headers["Authorization"] = config["SMS_GATEWAY_AUTH"]
        return urllib.request.Request(config["SMS_GATEWAY_URL"], data=body.encode(), headers=headers,
                                      method=config["SMS_GATEWAY_METHOD"])

    def send(self, message: OutboxMessage) -> None:
        config = current_app.config
        if not config["SMS_GATEWAY_URL"]:
            log.info("SMS to %s (%s): %s", mask_address(message.recipient), message.key, message.body)
            return
        try:
            # The operator's own SMS_GATEWAY_URL (http or https, checked by the doctor).
            with urllib.request.urlopen(self.request(message),  # nosec B310
                                        timeout=config["SMS_GATEWAY_TIMEOUT"]) as response:
                if not 200 <= response.status < 300:
                    raise DeliveryError(f"SMS gateway answered {response.status}")
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"SMS gateway answered {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"SMS gateway unreachable: {exc}") from exc
