"""Pages for filing and following items (public) and for handling them (staff)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.exceptions import BadRequest

from feedback.errors import ServiceError
from feedback.extensions import db
from feedback.forms import apply_errors, choices, commit_or_flash, commit_or_show_errors, unit_picker, units_kept
from feedback.items import kept, receipts, services
from feedback.items.access import filer_item, grant_filer_access, staff_item
from feedback.items.attachments import read_uploads
from feedback.items.forms import AccessForm, ActionForm, AddInformationForm, EraseForm, FilingForm, ListFilterForm, \
    LookupForm, StaffFilingForm
from feedback.items.models import CHANNELS, KINDS, TOPICS, Attachment, Item
from feedback.items.states import ACTIONS, STATUSES, allowed_actions
from feedback.procedures.services import search_procedures
from feedback.ratelimit import limited
from feedback.throttle import TooManyAttempts
from feedback import security
from feedback.timeutil import LOCAL_TZ
from feedback.transaction import run
from feedback.units.models import Unit
from feedback.urls import url_with_query

bp = Blueprint("items", __name__, template_folder="templates")
staff_bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")

RECEIPT_SESSION_KEY = "receipts"


# --- one-time form tokens -------------------------------------------------------------------


def _tokens() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="filing-form")


def new_submission_token() -> str:
    import secrets

    return _tokens().dumps(secrets.token_urlsafe(24))


def read_submission_token(signed: str) -> str:
    try:
        return _tokens().loads(signed or "", max_age=2 * 24 * 3600)
    except (BadSignature, SignatureExpired):
        raise BadRequest(_("The form expired. Your text is still below: send it again.")) from None


# --- filing ---------------------------------------------------------------------------------


def _fill_choices(form: FilingForm) -> None:
    unit_picker(form.unit, blank=_("— I do not know —"), current_only=True, with_code=False)
    unit = db.session.scalar(select(Unit).where(Unit.code == form.unit.data)) if form.unit.data else None
    procedures = search_procedures(unit=unit, limit=1000) if unit else []
    form.procedure.choices = choices([("", _("— None or I do not know —"))] +
                                     [(p.code, p.name) for p in procedures])


def _uploads(form) -> list:
    # Read and checked before the request touches the database (see read_uploads).
    if request.method != "POST":
        return []
    return read_uploads(form.attachments.data, current_app.config["ATTACHMENT_MAX_BYTES"])


def _filing_from(form: FilingForm, channel: str, received_at: dt.datetime | None = None, files=()) -> services.Filing:
    return services.Filing(
        kind=form.kind.data or "", topic=form.topic.data or "", unit=form.unit.data or "",
        procedure=form.procedure.data or "", title=form.title.data or "", body=form.body.data or "",
        name=form.name.data or "", phone=form.phone.data or "", email=form.email.data or "",
        address=form.address.data or "", consent=bool(form.consent.data), publish=bool(form.publish.data),
        notify_sms=bool(form.notify_sms.data), notify_email=bool(form.notify_email.data),
        channel=channel, received_at=received_at, files=list(files),
    )


class Try:
    """One try of a filing form and its files: those kept from the earlier tries (less the ones the
    citizen removed) and the new ones. A try that goes back to the form keeps the new files on the
    server (feedback.items.kept), unless the refusal was about the files themselves."""

    def __init__(self, form: FilingForm):
        self.form = form
        self.token = request.form.get("kept", "")[:64] if request.method == "POST" else ""
        self.removed = [int(value) for value in request.form.getlist("drop_kept") if value.isdigit()]
        # Read and checked before the request touches the database (see read_uploads).
        self.new = _uploads(form)

    def files(self) -> list[tuple[str, bytes]]:
        kept.drop(self.token, self.removed)
        return kept.files(self.token) + self.new

    def filed(self) -> None:
        kept.forget(self.token)

    def again(self) -> dict:
        """What the form's template needs to show the kept files; keeps the new ones first."""
        def keep():
            kept.drop(self.token, self.removed)
            return kept.keep(self.token, self.new) if self.new and not self.form.attachments.errors else self.token

        if self.new or self.removed:
            self.token = run(keep)
        return {"kept_token": self.token, "kept_files": kept.listed(self.token)}


# Stands for the one-time submission token in the kept fields of a new filing form.
_TOKEN_SLOT = "submission-token-of-this-request"  # nosec B105  # a placeholder, not a secret


def _new_form_fields(form: FilingForm) -> Markup:
    """The fields of a new filing form without a unit chosen, rendered once per language, kind and
    version of the units (feedback.forms.units_kept), with this request's one-time token put in.
    Nothing in them belongs to a visitor: the CSRF token is outside them, rendered each time."""
    kept = units_kept()
    key = ("filing fields", str(get_locale()), form.kind.data)
    fields = kept.get(key)
    if fields is None:
        token, form.submission.data = form.submission.data, _TOKEN_SLOT
        _fill_choices(form)
        fields = kept[key] = render_template("items/_filing_fields.html", form=form)
        form.submission.data = token
    # nosec: the fields come from our template (escaped); the token is URL-safe (itsdangerous).
    return Markup(fields.replace(_TOKEN_SLOT, form.submission.data))  # nosec B704


@bp.route("/file", methods=["GET", "POST"])
@limited("RATELIMIT_FILING", methods=["POST"])
def file():
    form = FilingForm()
    attempt = Try(form)
    if request.method == "GET":
        form.unit.data = request.args.get("unit", "")
        form.kind.data = request.args.get("kind", "complaint")
        form.submission.data = new_submission_token()
    kiosk = request.args.get("channel") == "kiosk"
    if request.method == "GET":
        if not form.unit.data and form.kind.data in KINDS:
            return render_template("items/file.html", form=form, kiosk=kiosk, fields=_new_form_fields(form))
        _fill_choices(form)
        return render_template("items/file.html", form=form, kiosk=kiosk)
    if "pick_unit" in request.form:
        _fill_choices(form)
        return render_template("items/file.html", form=form, kiosk=kiosk, **attempt.again())
    # The choices are for showing the form again: a filing that goes through does without them.
    if not form.validate():
        _fill_choices(form)
        return render_template("items/file.html", form=form, kiosk=kiosk, **attempt.again()), 422
    if form.website.data:
        # A bot filled the field people never see.
        raise BadRequest(_("The item could not be sent."))
    token = read_submission_token(form.submission.data)

    def file_it():
        filed = services.file_item(_filing_from(form, "kiosk" if kiosk else "web", files=attempt.files()), token=token)
        attempt.filed()
        return filed

    filed, refused = commit_or_show_errors(form, file_it)
    if refused:
        _fill_choices(form)
        return render_template("items/file.html", form=form, kiosk=kiosk, **attempt.again()), refused
    item, access_key, _created = filed
    # The session is signed, not encrypted: the key travels sealed.
    session.setdefault(RECEIPT_SESSION_KEY, {})[item.code] = {"key": security.seal(access_key), "kiosk": kiosk}
    session.modified = True
    return redirect(url_for("items.receipt", code=item.code))


@bp.route("/t/<code>")
def short(code: str):
    """The short link that SMS carry."""
    return redirect(url_for("items.track", code=services.find_item(code).code), 301)


@bp.route("/receipt/<code>")
def receipt(code: str):
    item = services.find_item(code)
    entry = session.get(RECEIPT_SESSION_KEY, {}).get(item.code)
    access_key = security.unseal(entry["key"]) if entry else None
    if access_key is None:
        return redirect(url_for("items.track", code=item.code))
    security.private()
    if entry["kiosk"]:
        # A kiosk's browser is shared: the receipt is shown once and nothing stays behind.
        session[RECEIPT_SESSION_KEY].pop(item.code)
        session.modified = True
    else:
        grant_filer_access(item)
    return render_template("items/receipt.html", item=item, access_key=access_key, kiosk=entry["kiosk"])


def _layout() -> str:
    layout = request.args.get("layout", "a4")
    if layout not in receipts.LAYOUTS:
        raise ServiceError(_("There is no such layout of the receipt: choose A4 or 80 mm."))
    return layout


def _receipt_answer(item: Item, access_key: str | None, pdf: bool):
    layout = _layout()
    if not pdf:
        return receipts.receipt_page(item, layout, access_key)
    response = current_app.response_class(receipts.receipt_pdf(item, layout, access_key), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="phieu-tiep-nhan-{item.code}-{layout}.pdf"'
    return response


def _filers_copy(code: str, pdf: bool):
    """The filer's own copy of the receipt, with the access key: only in the browser that filed."""
    item = services.find_item(code)
    entry = session.get(RECEIPT_SESSION_KEY, {}).get(item.code)
    access_key = security.unseal(entry["key"]) if entry else None
    if access_key is None:
        return redirect(url_for("items.track", code=item.code))
    security.private()
    return _receipt_answer(item, access_key, pdf)


@bp.route("/receipt/<code>/print")
def receipt_print(code: str):
    return _filers_copy(code, pdf=False)


@bp.route("/receipt/<code>/receipt.pdf")
def receipt_pdf(code: str):
    return _filers_copy(code, pdf=True)


# --- look-up --------------------------------------------------------------------------------


@bp.route("/track", methods=["GET"])
@limited("RATELIMIT_LOOKUP")
def lookup():
    form = LookupForm(request.args, meta={"csrf": False})
    if form.code.data:
        try:
            item = services.find_item(form.code.data)
        except ServiceError as exc:
            apply_errors(form, exc)
            return render_template("items/lookup.html", form=form), 404
        return redirect(url_for("items.track", code=item.code))
    return render_template("items/lookup.html", form=form)


@bp.route("/track/<code>", methods=["GET", "POST"])
@limited("RATELIMIT_LOOKUP", methods=["POST"])
def track(code: str):
    item = services.find_item(code)
    if item.code != code:
        return redirect(url_for("items.track", code=item.code))
    access = AccessForm()
    headers = {}
    if request.method == "POST" and access.validate():
        try:
            proved = run(lambda: services.prove_filer(item, key=access.key.data or "", phone=access.phone.data or ""))
        except TooManyAttempts as refused:
            access.key.errors = [str(refused.message)]
            status, headers = 429, {"Retry-After": str(refused.retry_after)}
        else:
            if proved:
                grant_filer_access(item)
                return redirect(url_for("items.private", code=item.code))
            access.key.errors = [_("The access key or the phone number does not match this item.")]
            status = 403
    else:
        status = 200
    return render_template("items/track.html", item=item, view=services.public_view(item), access=access), status, \
        headers


@bp.route("/kiosk")
def kiosk():
    form = LookupForm(request.args, meta={"csrf": False})
    item = view = None
    status = 200
    if form.code.data:
        try:
            item = services.find_item(form.code.data)
            view = services.public_view(item)
        except ServiceError as exc:
            apply_errors(form, exc)
            status = 404
    return render_template("items/kiosk.html", form=form, item=item, view=view), status


@bp.route("/track/<code>/private", methods=["GET", "POST"])
def private(code: str):
    form = AddInformationForm()
    files = _uploads(form)
    item = filer_item(code)
    status = 200
    if request.method == "POST" and form.validate():
        _result, refused = commit_or_show_errors(form, lambda: services.add_information(item, form.text.data, files))
        if refused is None:
            flash(_("Your information was added to the item."), "success")
            return redirect(url_for("items.private", code=item.code))
        status = refused
    return render_template("items/private.html", item=item, view=services.public_view(item), form=form), status


@bp.route("/track/<code>/personal-data", methods=["GET", "POST"])
def personal_data(code: str):
    """The filer sees the personal data kept about them for this item, and may delete it (Law 91/2025)."""
    item = filer_item(code)
    form = EraseForm()
    status = 200
    if request.method == "POST" and form.validate():
        if not services.holds_personal_data(item):
            form.form_errors.append(_("There is no personal data of yours left to delete in this item."))
            status = 409
        elif not form.confirm.data:
            form.confirm.errors = [_("Tick the box to confirm that you want your personal data deleted.")]
            status = 422
        else:
            run(lambda: services.erase_personal_data([item], "filer"))
            flash(_("Your personal data was deleted from item %(code)s.", code=item.code), "success")
            return redirect(url_for("items.personal_data", code=item.code))
    elif request.method == "POST":
        status = 422
    return render_template("items/personal_data.html", item=item, form=form,
                           documents=[a for a in item.attachments if a.added_by_filer],
                           written=services.filer_texts(item), holds=services.holds_personal_data(item)), status


@bp.route("/track/<code>/withdraw", methods=["GET", "POST"])
def withdraw(code: str):
    """A page of its own asks the filer to confirm (it cannot be undone); the POST withdraws."""
    item = filer_item(code)
    if request.method == "GET":
        return render_template("items/withdraw.html", item=item)
    _moved, refused = commit_or_flash(lambda: services.transition(item, "withdraw", None,
                                                                  reason=request.form.get("reason", "")))
    if not refused:
        flash(_("Your item was withdrawn."), "success")
    return redirect(url_for("items.private", code=item.code))


@bp.route("/track/<code>/attachments/<int:attachment_id>")
def filer_attachment(code: str, attachment_id: int):
    return _send_attachment(filer_item(code), attachment_id)


def _send_attachment(item: Item, attachment_id: int):
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.item_id != item.id:
        abort(404)
    response = current_app.response_class(attachment.data, mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(attachment.filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# --- staff ----------------------------------------------------------------------------------


@staff_bp.before_request
@login_required
def staff_only():
    """Signed-in staff only."""


@staff_bp.route("/items")
def items():
    form = ListFilterForm(request.args)
    unit_picker(form.unit, blank=_("All my units"), extra=(("none", _("Reception queue (no unit)")),))
    form.status.choices = choices([("", _("Any status"))] + list(STATUSES.items()))
    form.kind.choices = choices([("", _("Any kind"))] + list(KINDS.items()))
    form.topic.choices = choices([("", _("Any topic"))] + list(TOPICS.items()))
    form.channel.choices = choices([("", _("Any channel"))] + list(CHANNELS.items()))
    form.sort.choices = choices([("received_desc", _("Newest first")), ("received_asc", _("Oldest first")),
                                 ("due_asc", _("Deadline first"))])
    form.validate()
    filters = services.ItemFilters(
        unit=form.unit.data or "", status=form.status.data or "", kind=form.kind.data or "",
        topic=form.topic.data or "", channel=form.channel.data or "", procedure=(form.procedure.data or "").strip(),
        overdue=bool(form.overdue.data), received_from=form.received_from.data, received_to=form.received_to.data,
        q=(form.q.data or "").strip(), sort=form.sort.data or "received_desc",
    )
    try:
        rows, next_cursor = services.list_items(current_user, filters, request.args.get("cursor"),
                                                limit=current_app.config["PAGE_SIZE"])
    except ServiceError as exc:
        apply_errors(form, exc)
        return render_template("items/staff_list.html", form=form, items=[], next_url=None), exc.status
    next_url = url_with_query("staff.items", request.args, cursor=next_cursor) if next_cursor else None
    return render_template("items/staff_list.html", form=form, items=rows, next_url=next_url)


@staff_bp.route("/items/new", methods=["GET", "POST"])
def new_item():
    form = StaffFilingForm()
    attempt = Try(form)
    if request.method == "GET":
        form.submission.data = new_submission_token()
        form.kind.data = "complaint"
    _fill_choices(form)
    if request.method == "GET":
        return render_template("items/staff_new.html", form=form)
    if "pick_unit" in request.form:
        return render_template("items/staff_new.html", form=form, **attempt.again())
    if not form.validate():
        return render_template("items/staff_new.html", form=form, **attempt.again()), 422
    received_at = None
    if form.received_at.data:
        received_at = form.received_at.data.replace(tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)
    token = read_submission_token(form.submission.data)

    def file_it():
        filed = services.file_item(_filing_from(form, form.channel.data, received_at, files=attempt.files()),
                                   actor=current_user, token=token)
        attempt.filed()
        return filed

    filed, refused = commit_or_show_errors(form, file_it)
    if refused:
        return render_template("items/staff_new.html", form=form, **attempt.again()), refused
    item, access_key, _created = filed
    flash(_("Item %(code)s was recorded. Give the filer the code and the access key %(key)s.",
            code=item.code, key=access_key), "success")
    return redirect(url_for("staff.item", code=item.code))


@staff_bp.route("/items/<code>")
def item(code: str):
    found = staff_item(code)
    run(lambda: services.record_view_of_personal_data(found, current_user))
    return _item_page(found, ActionForm())


def _item_page(found: Item, form: ActionForm, status: int = 200):
    unit_picker(form.unit, blank="", current_only=True, with_code=False)
    form.grounds.choices = choices([("", "")] + [(code, f"{reason['label']} ({reason['legal_basis']})")
                                                 for code, reason in services.transfer_reasons().items()])
    actions = [ACTIONS[name] for name in allowed_actions(found.status) if name != "withdraw"]
    viewers = services.personal_data_viewers(found) if services.may_read_audit(current_user, found) else None
    return render_template("items/staff_item.html", item=found, form=form, actions=actions,
                           can_publish=services.can_publish_answer(current_user, found),
                           timeline=services.timeline(found), viewers=viewers,
                           transfers=services.transfers_of(found), story=services.story(found)), status


# A copy of the receipt printed by staff (at the desk, for a hotline or mailbox item): never with
# the access key.
@staff_bp.route("/items/<code>/receipt")
def receipt(code: str):
    return _receipt_answer(staff_item(code), None, pdf=False)


@staff_bp.route("/items/<code>/receipt.pdf")
def receipt_pdf(code: str):
    return _receipt_answer(staff_item(code), None, pdf=True)


@staff_bp.route("/items/<code>/actions", methods=["POST"])
def act(code: str):
    found = staff_item(code)
    form = ActionForm()
    if not form.validate():
        return _item_page(found, form, 422)
    moved, refused = commit_or_show_errors(form, lambda: services.transition(
        found, form.action.data or "", current_user, reason=form.reason.data or "", body=form.body.data or "",
        unit=form.unit.data or "", original=form.original.data or "", days=form.days.data,
        grounds=form.grounds.data or ""))
    if refused:
        return _item_page(staff_item(code), form, refused)
    flash(_("Done: %(action)s.", action=ACTIONS[moved.action].label if moved.action in ACTIONS else moved.action),
          "success")
    return redirect(url_for("staff.item", code=found.code))


@staff_bp.route("/items/<code>/attachments/<int:attachment_id>")
def staff_attachment(code: str, attachment_id: int):
    return _send_attachment(staff_item(code), attachment_id)
