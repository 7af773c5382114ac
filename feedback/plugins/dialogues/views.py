"""The dialogue pages: public (sessions, registering, questions, calendar file, minutes, the
province's overview) and staff (planning, the agenda, the day itself, the minutes' workflow)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import BadRequest

from feedback import charts, exports
from feedback.auth.models import User
from feedback.errors import NotFound
from feedback.extensions import db
from feedback.forms import choices, commit_or_show_errors, unit_options
from feedback.plugins.dialogues import overview, services
from feedback.plugins.dialogues.minutes import pdf_response
from feedback.plugins.dialogues.forms import ActionForm, CancelForm, PlanForm, QuestionForm, RegistrationForm
from feedback.plugins.dialogues.models import AGENDA_KINDS, EVENT_LABELS, DialogueSession
from feedback.ratelimit import limited
from feedback.timeutil import LOCAL_TZ, utcnow
from feedback.units.models import Unit

bp = Blueprint("dialogues", __name__, template_folder="templates")
staff_bp = Blueprint("staff_dialogues", __name__, url_prefix="/staff/dialogues", template_folder="templates")


def _not_found(exc: NotFound):
    abort(404, description=str(exc.message))


# --- public ---------------------------------------------------------------------------------


@bp.route("/dialogues")
def index():
    unit = None
    if request.args.get("unit"):
        unit = db.session.scalar(select(Unit).where(Unit.code == request.args["unit"]))
        if unit is None:
            abort(404)
    sessions = services.public_sessions(unit)
    now = utcnow()
    coming = sorted([s for s in sessions if s.status == "announced" and s.ends_at > now], key=lambda s: s.starts_at)
    past = [s for s in sessions if s not in coming]
    return render_template("dialogues/index.html", unit=unit, coming=coming, past=past)


def _session_page(session: DialogueSession, registration: RegistrationForm | None = None,
                  question: QuestionForm | None = None, status: int = 200):
    now = utcnow()
    return render_template(
        "dialogues/session.html", session=session, now=now, registration=registration or RegistrationForm(),
        question=question or QuestionForm(), questions=services.published_questions(session),
        open_before=session.status == "announced" and now < session.starts_at,
        minutes=session.published_minutes), status


@bp.route("/dialogues/<int:session_id>")
def session(session_id: int):
    try:
        found = services.get_public_session(session_id)
    except NotFound as exc:
        _not_found(exc)
    return _session_page(found)


def _refuse_bots(form) -> None:
    if form.website.data:
        # A bot filled the field people never see.
        raise BadRequest(_("The form could not be sent."))


@bp.route("/dialogues/<int:session_id>/register", methods=["POST"])
@limited("RATELIMIT_DIALOGUES", methods=["POST"])
def register(session_id: int):
    try:
        found = services.get_public_session(session_id)
    except NotFound as exc:
        _not_found(exc)
    form = RegistrationForm()
    if not form.validate():
        return _session_page(found, registration=form, status=422)
    _refuse_bots(form)
    _result, status = commit_or_show_errors(form, lambda: services.register(
        found, name=form.name.data or "", organisation=form.organisation.data or "", phone=form.phone.data or "",
        email=form.email.data or "", consent=bool(form.consent.data)))
    if status:
        return _session_page(found, registration=form, status=status)
    flash(_("You are registered. If the session moves or is cancelled, you will be told."), "success")
    return redirect(url_for("dialogues.session", session_id=found.id))


@bp.route("/dialogues/<int:session_id>/questions", methods=["POST"])
@limited("RATELIMIT_DIALOGUES", methods=["POST"])
def ask(session_id: int):
    try:
        found = services.get_public_session(session_id)
    except NotFound as exc:
        _not_found(exc)
    form = QuestionForm()
    if not form.validate():
        return _session_page(found, question=form, status=422)
    _refuse_bots(form)
    question, status = commit_or_show_errors(form, lambda: services.ask(
        found, title=form.title.data or "", body=form.body.data or "", name=form.name.data or "",
        phone=form.phone.data or "", email=form.email.data or "", consent=bool(form.consent.data)))
    if status:
        return _session_page(found, question=form, status=status)
    flash(_("Your question was received as number %(number)s. It is published before the session with any "
            "personal data removed.", number=question.number), "success")
    return redirect(url_for("dialogues.session", session_id=found.id))


@bp.route("/dialogues/<int:session_id>/session.ics")
def calendar(session_id: int):
    from feedback.plugins.dialogues.ics import calendar_file

    try:
        found = services.get_public_session(session_id)
    except NotFound as exc:
        _not_found(exc)
    response = current_app.response_class(calendar_file(found), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="doi-thoai-{found.id}.ics"'
    return response


@bp.route("/dialogues/<int:session_id>/minutes.pdf")
@bp.route("/dialogues/<int:session_id>/minutes/<int:version>.pdf")
def minutes_pdf(session_id: int, version: int | None = None):
    try:
        return pdf_response(services.get_public_session(session_id), version)
    except NotFound as exc:
        _not_found(exc)


@bp.route("/dialogues/commitments/<int:commitment_id>/evidence")
def evidence(commitment_id: int):
    from feedback.plugins.dialogues.models import Commitment
    from sqlalchemy.orm import undefer

    found = db.session.scalar(select(Commitment).where(Commitment.id == commitment_id)
                              .options(undefer(Commitment.evidence)))
    if found is None or found.evidence is None or not found.session.is_public:
        abort(404)
    response = current_app.response_class(found.evidence, mimetype=found.evidence_type or "application/octet-stream")
    from urllib.parse import quote

    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(found.evidence_filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- the province's overview ----------------------------------------------------------------

def overview_columns():
    from flask_babel import lazy_gettext as _l

    return (
        exports.Column("unit", _l("Unit code")),
        exports.Column("name", _l("Unit")),
        exports.Column("last_session", _l("Last session"), "date"),
        exports.Column("next_session", _l("Next session"), "date"),
        exports.Column("proposed_next", _l("Proposed next date"), "date"),
        exports.Column("late", _l("Late with its dialogue"), "bool"),
        exports.Column("months_since_last", _l("Months since the last session"), "int"),
        exports.Column("minutes_pending", _l("Minutes not published yet"), "int"),
        exports.Column("minutes_late", _l("Minutes late"), "int"),
        exports.Column("commitments_open", _l("Commitments open"), "int"),
        exports.Column("commitments_overdue", _l("Commitments overdue"), "int"),
        exports.Column("commitments_kept", _l("Commitments kept on time"), "int"),
        exports.Column("commitments_done_late", _l("Commitments done late"), "int"),
    )


def overview_chart(rows: list[dict]) -> charts.Chart:
    ranked = sorted(rows, key=lambda row: (-(row["months_since_last"] if row["months_since_last"] is not None
                                              else 10_000), row["unit"]))
    return charts.ranking(
        [(row["name"], row["months_since_last"]) for row in ranked], chart_id="dialogues-months",
        title=_("Months since each unit's last dialogue session"),
        description=_("One bar per unit: the number of whole months since its last session; a dash when it has "
                      "held none. A unit is late after %(n)s months.", n=services.interval_months()),
        category_header=_("Unit"), value_header=_("Months"), value_kind="number", limit=200)


@bp.route("/dialogues/overview")
def overview_page():
    rows = overview.rows()
    return render_template("dialogues/overview.html", rows=rows, chart=overview_chart(rows),
                           late=[row for row in rows if row["late"]],
                           late_minutes=[row for row in rows if row["minutes_late"]])


@bp.route("/dialogues/overview.<fmt>")
def overview_download(fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    table = exports.Rows(overview_columns(), overview.rows(), title=_("Dialogues"))
    return exports.download(fmt, "doi-thoai-tong-hop", table)


# --- staff ----------------------------------------------------------------------------------


@staff_bp.before_request
@login_required
def staff_only():
    pass


@staff_bp.route("/", endpoint="index")
def staff_index():
    sessions = services.staff_sessions(current_user)
    scope = services.managed_unit_ids(current_user)
    rows = [row for row in overview.rows() if scope is None or row["unit_id"] in scope]
    return render_template("dialogues/staff_index.html", sessions=sessions, rows=rows)


def _plan_form(form: PlanForm, unit: Unit | None) -> PlanForm:
    scope = services.managed_unit_ids(current_user)
    form.unit.choices = choices([(code, label) for code, label in unit_options(blank=_("— Choose —"), current_only=True)
                                 if not code or scope is None or _unit_id(code) in scope])
    staff = []
    if unit is not None:
        staff = db.session.scalars(select(User).where(User.unit_id == unit.id, User.active.is_(True))
                                   .order_by(User.name)).all()
    form.secretary.choices = choices([("", _("— None yet —"))] + [(str(u.id), f"{u.name} ({u.title or u.email})")
                                                                   for u in staff])
    return form


def _unit_id(code: str) -> int | None:
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _plan_from(form: PlanForm, unit_code: str) -> services.Plan:
    return services.Plan(unit=unit_code or "", day=form.day.data, start=form.start.data, end=form.end.data,
                         place=form.place.data or "", online_link=form.online_link.data or "",
                         secretary=form.secretary.data or "", fields=_lines(form.fields.data),
                         procedures=_lines(form.procedures.data), invited=_lines(form.invited.data))


@staff_bp.route("/new", methods=["GET", "POST"])
def new():
    form = PlanForm()
    if request.method == "GET":
        form.unit.data = request.args.get("unit") or (current_user.unit.code if current_user.unit else "")
    unit = db.session.scalar(select(Unit).where(Unit.code == form.unit.data)) if form.unit.data else None
    _plan_form(form, unit)
    if request.method == "GET" or "pick_unit" in request.form:
        if request.method == "GET" and unit is not None and form.day.data is None:
            last = overview.rows()
            match = next((row for row in last if row["unit_id"] == unit.id), None)
            form.day.data = match["proposed_next"] if match else services.proposed_next_day(None)
        return render_template("dialogues/plan.html", form=form, session=None)
    if not form.validate():
        return render_template("dialogues/plan.html", form=form, session=None), 422
    created, status = commit_or_show_errors(form, lambda: services.plan_session(_plan_from(form, form.unit.data),
                                                                                current_user))
    if status:
        return render_template("dialogues/plan.html", form=form, session=None), status
    flash(_("The session is planned. Add subjects to its agenda, then announce it."), "success")
    return redirect(url_for("staff_dialogues.manage", session_id=created.id))


def _staff_session(session_id: int) -> DialogueSession:
    try:
        found = services.get_session(session_id)
    except NotFound as exc:
        _not_found(exc)
    if not services.may_see(current_user, found):
        abort(404)  # another unit's session answers as if it did not exist
    return found


@staff_bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
def edit(session_id: int):
    found = _staff_session(session_id)
    form = PlanForm()
    _plan_form(form, found.unit)
    if request.method == "GET":
        starts, ends = found.starts_at.astimezone(LOCAL_TZ), found.ends_at.astimezone(LOCAL_TZ)
        form.unit.data, form.day.data, form.start.data, form.end.data = found.unit.code, starts.date(), starts.time(), \
            ends.time()
        form.place.data, form.online_link.data = found.place, found.online_link
        form.secretary.data = str(found.secretary_id or "")
        form.fields.data = "\n".join(e.field for e in found.agenda if e.kind == "field" and e.status == "accepted")
        form.procedures.data = "\n".join(e.procedure.code for e in found.agenda
                                         if e.kind == "procedure" and e.status == "accepted" and e.procedure)
        form.invited.data = "\n".join(found.invited or [])
        return render_template("dialogues/plan.html", form=form, session=found)
    if not form.validate():
        return render_template("dialogues/plan.html", form=form, session=found), 422
    moved, status = commit_or_show_errors(form, lambda: services.update_session(
        found, _plan_from(form, found.unit.code), current_user))
    if status:
        return render_template("dialogues/plan.html", form=form, session=found), status
    flash(_("The session was moved: those who registered are sent the updated event.") if moved and
          found.status == "announced" else _("The session was saved."), "success")
    return redirect(url_for("staff_dialogues.manage", session_id=found.id))


def _manage_page(found: DialogueSession, form: ActionForm | None = None, status: int = 200):
    form = form or ActionForm()
    form.unit.choices = choices(unit_options(blank=_("— Choose —"), current_only=True))
    if not form.unit.data:
        form.unit.data = found.unit.code
    return render_template("dialogues/manage.html", session=found, form=form, cancel_form=CancelForm(),
                           now=utcnow(), agenda_kinds=AGENDA_KINDS, event_labels=EVENT_LABELS, may_approve=services.may_approve(current_user, found),
                           may_manage=services.may_manage(current_user, found.unit),
                           participants=services.participants(found),
                           minutes_obligation=services.minutes_obligation(found)), status


@staff_bp.route("/<int:session_id>")
def manage(session_id: int):
    return _manage_page(_staff_session(session_id))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(_("The form is incomplete: send it again.")) from None


def _run_action(found: DialogueSession, form: ActionForm, action: str):
    """The service call of each action, and what to say when it went through."""
    user = current_user._get_current_object()
    if action == "announce":
        return lambda: services.announce(found, user), _("The session is announced on the public pages.")
    if action == "cancel":
        return (lambda: services.cancel(found, form.reason.data or "", user),
                _("The session is cancelled: those who registered are told."))
    if action == "suggest":
        return lambda: services.suggest_agenda(found, user), _("Suggestions were drawn from the unit's data.")
    if action in ("accept", "drop"):
        return (lambda: services.decide_agenda(found, _int(form.entry.data), action == "accept", user),
                _("The agenda was updated."))
    if action == "attach":
        return lambda: services.attach_item(found, form.code.data or "", user), _("The item is now a question.")
    if action == "publish_questions":
        return lambda: services.publish_questions(found, user), _("The list of questions is published.")
    if action in ("hide", "show"):
        return (lambda: services.hide_question(services.get_question(found, _int(form.question.data)),
                                               action == "hide", form.reason.data or "", user),
                _("The question was updated."))
    if action == "answer":
        return (lambda: services.answer(services.get_question(found, _int(form.question.data)), form.answer.data or "",
                                        form.answered_by.data or "", user), _("The answer was recorded."))
    if action == "attendance":
        def record():
            organisations, errors = services.parse_attendance_lines(form.organisations.data)
            if errors:
                from feedback.errors import Invalid

                raise Invalid(_("The attendance was not recorded: please correct the marked fields."), errors)
            services.record_attendance(found, services.AttendanceRecord(
                organisations=organisations, persons=_lines(form.persons.data),
                persons_consent=bool(form.persons_consent.data), citizens=form.citizens.data or 0), user)
        return record, _("The attendance was recorded.")
    if action == "commit":
        return (lambda: services.add_commitment(found, text=form.text.data or "", unit=form.unit.data or "",
                                                days=(form.days.data or "").strip() or None,
                                                question_id=form.question.data or None, actor=user),
                _("The commitment was recorded; its deadline is followed like an item's."))
    if action == "done":
        # Read once, outside the service call: the transaction boundary may run it again.
        files = []
        if form.evidence.data and form.evidence.data.filename:
            files = [(form.evidence.data.filename, form.evidence.data.read())]

        def done():
            commitment = services.get_commitment(_int(form.commitment.data))
            if commitment.session_id != found.id:
                raise NotFound(_("No commitment has this number."))
            services.complete_commitment(commitment, form.note.data or "", files, user)
        return done, _("The commitment is done; its evidence is public.")
    if action == "held":
        return (lambda: services.mark_held(found, form.closing.data, user),
                _("The session is recorded as held: its minutes are due within %(n)s working days.",
                  n=services.minutes_days()))
    if action == "save_minutes":
        return (lambda: services.save_minutes(_working(found), summary=form.summary.data or "",
                                              changes=form.changes.data or "", actor=user), _("The draft was saved."))
    if action == "submit_minutes":
        def submit():
            services.save_minutes(_working(found), summary=form.summary.data or "", changes=form.changes.data or "",
                                  actor=user)
            services.submit_minutes(_working(found), user)
        return submit, _("The minutes were sent to the chair for approval.")
    if action == "return_minutes":
        return (lambda: services.return_minutes(_working(found), form.note.data or "", user),
                _("The minutes were sent back to the secretary."))
    if action == "approve_minutes":
        return (lambda: services.approve_minutes(_working(found), user),
                _("The minutes are approved and published; their PDF is being made."))
    if action == "correct":
        return lambda: services.start_correction(found, user), _("A correction was started as a new version.")
    raise BadRequest(_("Unknown action."))


def _working(found: DialogueSession):
    minutes = found.working_minutes
    if minutes is None:
        from feedback.errors import Conflict

        raise Conflict(_("No version of the minutes is being written."))
    return minutes


@staff_bp.route("/<int:session_id>/actions", methods=["POST"])
def act(session_id: int):
    found = _staff_session(session_id)
    form = ActionForm()
    form.unit.choices = choices(unit_options(blank=_("— Choose —"), current_only=True))
    if not form.validate():
        return _manage_page(found, form, 422)
    call, message = _run_action(found, form, form.action.data or "")
    _result, status = commit_or_show_errors(form, call)
    if status:
        db.session.refresh(found)
        return _manage_page(found, form, status)
    flash(message, "success")
    return redirect(url_for("staff_dialogues.manage", session_id=found.id) + _anchor(form.action.data))


def _anchor(action: str) -> str:
    for anchor, actions in (("#agenda", ("suggest", "accept", "drop")), ("#questions", ("attach", "publish_questions",
                            "hide", "show", "answer")), ("#attendance", ("attendance",)),
                            ("#commitments", ("commit", "done")),
                            ("#minutes", ("held", "save_minutes", "submit_minutes", "return_minutes",
                                          "approve_minutes", "correct"))):
        if action in actions:
            return anchor
    return ""


@staff_bp.route("/<int:session_id>/minutes/<int:version>.pdf")
def staff_minutes_pdf(session_id: int, version: int):
    try:
        return pdf_response(_staff_session(session_id), version)
    except NotFound as exc:
        _not_found(exc)
