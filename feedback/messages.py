"""Messages for anything: a capability asks for a message; the notification plugin carries it out.

Each plugin registers the texts of its kinds of message (``feedback_message_templates``): a
short text for SMS, an e-mail subject and body, with ``%(name)s`` places filled from what the
message is about and the context given, in the recipient's language. A capability then asks
(:func:`ask`) with the kind, the recipient (a member of staff, or a contact with the channels
they chose and their language), what it is about, and an idempotency key; the core writes the
texts, one message per channel, and hands them over in one call
(``feedback_messages_requested``) to whichever plugin sends them (notify: an outbox, channels,
retries). With no such plugin, nothing is sent. A new capability never edits notify.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import force_locale

from feedback.pluginmanager import fire_event, hook

# Channels that carry the short text; every other channel carries the subject and the body.
SHORT_CHANNELS = ("sms",)


@dataclass(frozen=True)
class Template:
    """The texts of a kind of message.

    ``texts()`` returns ``(sms, subject, body)`` with ``%(name)s`` places, called in the
    recipient's language (so gettext picks the translation); an empty text is not sent on its
    channels (staff e-mails have no SMS). ``values(about)`` gives the places' values from what the
    message is about, also in the recipient's language.
    """

    kind: str
    texts: Callable[[], tuple[str, str, str]]
    values: Callable[[Any], dict] = lambda about: {}


@dataclass(frozen=True)
class Recipient:
    """Who a message is for: an address per channel, in the order they are sent, and a language."""

    addresses: tuple[tuple[str, str], ...]
    locale: str = ""

    @classmethod
    def user(cls, user) -> Recipient:
        """A member of staff: by e-mail, in the site's default language; nobody if inactive."""
        if user is None or not user.active or not user.email:
            return cls(())
        return cls((("email", user.email),))

    @classmethod
    def contact(cls, *, phone: str = "", email: str = "", sms: bool = True, mail: bool = True,
                locale: str = "") -> Recipient:
        """A citizen: on the channels they chose, in the language they filed in."""
        addresses = []
        if phone and sms:
            addresses.append(("sms", phone))
        if email and mail:
            addresses.append(("email", email))
        return cls(tuple(addresses), locale)


@dataclass
class Request:
    """A message a capability asks for.

    ``owner`` names what it is about (``("item", 42)``) for the outbox's list, with a short
    ``reference`` to show there (a tracking code) and the staff page of it (``link``). ``key`` is
    the idempotency key: asked again with the same key, nothing more is sent; without one, every
    request is a new message.
    """

    kind: str
    recipient: Recipient
    about: Any
    owner: tuple[str, int | None]
    key: str | None = None
    context: dict = field(default_factory=dict)
    reference: str = ""
    link: str = ""
    attachment: bytes | None = None
    attachment_name: str = ""


@dataclass(frozen=True)
class Message:
    """One message on one channel, written: what a sending plugin receives."""

    key: str
    channel: str
    kind: str
    address: str
    subject: str
    body: str
    owner_type: str
    owner_id: int | None
    reference: str = ""
    link: str = ""
    attachment: bytes | None = None
    attachment_name: str = ""


class UnknownMessageKind(LookupError):
    """No enabled plugin registered the texts of this kind (feedback_message_templates)."""


def templates() -> dict[str, Template]:
    """The texts of every kind, from the enabled plugins; the first to register a kind wins."""
    found: dict[str, Template] = {}
    for group in hook().feedback_message_templates():
        for template in group or ():
            found.setdefault(template.kind, template)
    return found


def compose(kind: str, about, locale: str = "", **context) -> dict:
    """``{"sms": ..., "subject": ..., "body": ...}`` of ``kind`` about ``about``, in ``locale``."""
    return _compose(_template(kind, templates()), about, locale, context)


def _template(kind: str, known: dict[str, Template]) -> Template:
    try:
        return known[kind]
    except KeyError:
        raise UnknownMessageKind(f"no enabled plugin registers the texts of {kind!r} messages") from None


def _compose(template: Template, about, locale: str, context: dict) -> dict:
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        values = {**template.values(about), **context}
        sms, subject, body = template.texts()
        return {"sms": sms % values if sms else "", "subject": subject % values if subject else "",
                "body": body % values if body else ""}


def ask(*requests: Request) -> list[Message]:
    """Write the messages asked for, one per channel of each recipient, and hand them all over
    at once to the plugin that sends them. Inside the caller's transaction: they are sent after it
    commits, and never if it rolls back."""
    known = templates()
    messages = []
    for request in requests:
        if not request.recipient.addresses:
            continue
        texts = _compose(_template(request.kind, known), request.about, request.recipient.locale, request.context)
        for channel, address in request.recipient.addresses:
            short = channel in SHORT_CHANNELS
            body = texts["sms"] if short else texts["body"]
            if not body:
                continue
            messages.append(Message(
                key=_key(request.key, channel, address), channel=channel, kind=request.kind, address=address,
                subject="" if short else texts["subject"], body=body, owner_type=request.owner[0],
                owner_id=request.owner[1], reference=request.reference, link=request.link,
                attachment=None if short else request.attachment,
                attachment_name="" if short else request.attachment_name))
    if messages:
        fire_event("feedback_messages_requested", messages=messages)
    return messages


def _key(key: str | None, channel: str, address: str) -> str:
    """The key of one message: the same request key gives the same message key on each channel."""
    if key is None:
        return uuid.uuid4().hex
    return hashlib.sha256(f"{key}\n{channel}\n{address}".encode()).hexdigest()[:32]
