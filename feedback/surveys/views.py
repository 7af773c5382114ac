"""Survey pages: answering (public links, kiosk, invitations), the builder for administrators
(/admin/surveys), and staff pages (downloads, free-text answers, QR codes, posters, kiosks)."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from feedback.auth.decorators import roles_required
from feedback.errors import NotFound, ServiceError
from feedback.extensions import db
from feedback.forms import choices, commit_or_flash, commit_or_show_errors, unit_options
from feedback.ratelimit import limited
from feedback.surveys import builder, distribution, exports, services, xlsform
from feedback.surveys.forms import AnswerForm, ExportFilterForm, InvitationForm, KioskForm, LineError, \
    QuestionForm, SectionForm, SurveyForm, TextsForm, XlsformForm, format_conditions, format_options
from feedback.surveys.models import Survey, SurveyQuestion, SurveySection
from feedback.surveys.types import question_types
from feedback.transaction import run
from feedback.urls import url_with_query

bp = Blueprint("surveys", __name__, template_folder="templates")

ANSWER_FIELD = re.compile(r"^q(\d{1,9})$")
STAFF_ROLES = ("admin", "head", "officer")


# --- answering ------------------------------------------------------------------------------


def _open_or_404(ref) -> Survey:
    try:
        return services.open_survey(ref)
    except NotFound:
        abort(404)


def _unit_or_404(survey: Survey, code: str):
    try:
        return services.unit_for(survey, code)
    except ServiceError:
        abort(404)


def _procedure_or_404(code: str | None):
    try:
        return services.procedure_for(code or "")
    except ServiceError:
        abort(404)


@bp.route("/s")
def surveys():
    """The open surveys; with one only, straight to choosing a unit."""
    found = services.active_surveys()
    if len(found) == 1:
        return redirect(url_with_query("surveys.choose_unit", request.args, survey=found[0].code))
    return render_template("surveys/index.html", surveys=found)


@bp.route("/s/<survey>")
def choose_unit(survey: str):
    """Which unit the answers are about (a QR code or a link usually says it already)."""
    found = _open_or_404(survey)
    code = request.args.get("unit", "")
    kiosk = request.args.get("kiosk") == "1"
    if code:
        unit = _unit_or_404(found, code)
        return redirect(url_for("surveys.kiosk_answer" if kiosk else "surveys.answer", survey=found.code,
                                unit=unit.code))
    units = [(unit.code, unit.name) for unit in services.survey_units(found)]
    return render_template("surveys/choose_unit.html", survey=found, units=units, kiosk=kiosk)


def _raw_answers() -> dict[str, list[str]]:
    return {match.group(1): request.form.getlist(key)
            for key in request.form if (match := ANSWER_FIELD.match(key))}


def _locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def _answer_page(survey: Survey, unit, procedure, *, channel: str, kiosk: bool = False, invitation=None,
                 action: str | None = None):
    version = services.load_version(survey.published.id)
    form = AnswerForm()
    values: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "GET":
        form.version.data = str(version.id)
    else:
        values = _raw_answers()
        if not form.validate():
            status = 400
        elif form.website.data:
            # A bot filled the field people never see.
            raise BadRequest(_("The answers could not be sent."))
        else:
            answering = services.Answering(
                survey=survey, unit=unit.code, procedure=procedure.code if procedure else "",
                code=invitation[1] if invitation else "",
                version=int(form.version.data) if (form.version.data or "").isdigit() else None,
                answers=values, source="form", channel=channel, locale=_locale(), sender=request.remote_addr or "")
            try:
                run(lambda: services.submit_response(answering))
            except ServiceError as refusal:
                errors = dict(refusal.fields)
                status = refusal.status
                if "version" in errors:
                    # The survey changed meanwhile: show the new questions, keep nothing of the old.
                    flash(str(refusal.message), "error")
                    return redirect(request.full_path.rstrip("?"))
                if not errors:
                    form.form_errors.append(str(refusal.message))
            else:
                target = url_for("surveys.thanks", survey=survey.code, unit=unit.code, kiosk="1" if kiosk else None)
                return redirect(target)
    shown = {question.id for question in version.questions}
    question_errors, other_errors = {}, []
    for key, message in errors.items():
        number = key.split(".", 1)[1] if key.startswith("answers.") else ""
        if number.isdigit() and int(number) in shown:
            question_errors[int(number)] = message
        else:
            other_errors.append(message)
    return render_template("surveys/answer.html", survey=survey, version=version, unit=unit, procedure=procedure,
                           form=form, values=values, question_errors=question_errors, other_errors=other_errors,
                           kiosk=kiosk, types=question_types(), action=action,
                           condition_text=services.condition_text), status


@bp.route("/s/<survey>/<unit>", methods=["GET", "POST"])
@bp.route("/s/<survey>/<unit>/<procedure>", methods=["GET", "POST"])
@limited("RATELIMIT_SURVEY", methods=["POST"], exempt_when=distribution.enrolled_kiosk)
def answer(survey: str, unit: str, procedure: str | None = None):
    found = _open_or_404(survey)
    return _answer_page(found, _unit_or_404(found, unit), _procedure_or_404(procedure), channel="link")


@bp.route("/kiosk/s/<survey>/<unit>", methods=["GET", "POST"])
@limited("RATELIMIT_SURVEY", methods=["POST"], exempt_when=distribution.enrolled_kiosk)
def kiosk_answer(survey: str, unit: str):
    found = _open_or_404(survey)
    return _answer_page(found, _unit_or_404(found, unit), None, channel="kiosk", kiosk=True)


@bp.route("/kiosk/survey")
def kiosk_start():
    """The kiosk's entry “Đánh giá sự hài lòng”: the enrolled unit's survey, or a choice."""
    enrolled = distribution.kiosk_unit()
    found = services.active_surveys()
    if enrolled is not None and len(found) == 1:
        return redirect(url_for("surveys.kiosk_answer", survey=found[0].code, unit=enrolled))
    return render_template("surveys/index.html", surveys=found, kiosk=True)


@bp.route("/s/<survey>/<unit>/thanks")
def thanks(survey: str, unit: str):
    found = _open_or_404(survey)
    return render_template("surveys/thanks.html", survey=found, unit=_unit_or_404(found, unit),
                           kiosk=request.args.get("kiosk") == "1")


@bp.route("/i", methods=["GET"])
def invitation_lookup():
    """Type the code of an invitation received by SMS or e-mail."""
    form = InvitationForm(request.args)
    if form.code.data:
        invitation, problem = services.invitation_state(form.code.data)
        if problem is None:
            return redirect(url_for("surveys.invited", invitation=services.normalise_code(form.code.data)))
        form.code.errors = [problem]
        return render_template("surveys/invitation.html", form=form), 404 if invitation is None else 409
    return render_template("surveys/invitation.html", form=form)


@bp.route("/i/<invitation>", methods=["GET", "POST"])
@limited("RATELIMIT_SURVEY", methods=["POST"])
def invited(invitation: str):
    """The link an invitation carries: the survey about the unit that answered the item."""
    code = invitation
    invitation, problem = services.invitation_state(code)
    if problem is not None:
        form = InvitationForm(meta={"csrf": False})
        form.code.data = code[:services.CODE_INPUT_MAX]
        form.code.errors = [problem]
        return render_template("surveys/invitation.html", form=form), 404 if invitation is None else 409
    survey = invitation.survey
    if not survey.is_active:
        abort(404)
    return _answer_page(survey, invitation.unit, None, channel="invitation", invitation=(invitation, code),
                        action=url_for("surveys.invited", invitation=code))


# --- the builder (administrators) -----------------------------------------------------------

admin = roles_required("admin")


def _survey_or_404(survey_id: int) -> Survey:
    found = db.session.get(Survey, survey_id)
    if found is None:
        abort(404)
    return found


def _draft_or_redirect(survey: Survey):
    if survey.draft is None:
        flash(_("The survey has no draft: make a new version to edit it."), "error")
        return None
    return survey.draft


@bp.route("/admin/surveys")
@admin
def admin_index():
    found = db.session.scalars(db.select(Survey).order_by(Survey.archived_at.is_not(None), Survey.code)).all()
    return render_template("surveys/admin/index.html", surveys=found, import_form=XlsformForm())


@bp.route("/admin/surveys/new", methods=["GET", "POST"])
@admin
def admin_new():
    form = SurveyForm()
    form.unit.choices = choices(unit_options(blank=_("Every unit")))
    if not form.validate_on_submit():
        return render_template("surveys/admin/survey_form.html", form=form), 422 if form.errors else 200
    unit = services.unit_for_code(form.unit.data)
    survey, refused = commit_or_show_errors(form, lambda: builder.create_survey(
        form.code.data or "", form.title_vi.data or "", form.title_en.data or "", form.intro_vi.data or "",
        form.intro_en.data or "", unit=unit, actor=current_user))
    if refused:
        return render_template("surveys/admin/survey_form.html", form=form), refused
    flash(_("The survey was created. Add its sections and questions."), "success")
    return redirect(url_for("surveys.admin_draft", survey_id=survey.id))


@bp.route("/admin/surveys/template", methods=["POST"])
@admin
def admin_template():
    survey, refused = commit_or_flash(lambda: builder.create_from_template(
        code=services.free_code("sipas"), actor=current_user))
    if refused:
        return redirect(url_for("surveys.admin_index"))
    flash(_("The SIPAS-style template was added as a draft: read it, adapt it, then publish it."), "success")
    return redirect(url_for("surveys.admin_draft", survey_id=survey.id))


@bp.route("/admin/surveys/import", methods=["POST"])
@admin
def admin_import():
    form = XlsformForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        survey, refused = commit_or_show_errors(form, lambda: xlsform.import_survey(data, actor=current_user))
        if not refused:
            flash(_("The form was imported as a draft."), "success")
            return redirect(url_for("surveys.admin_draft", survey_id=survey.id))
    found = db.session.scalars(db.select(Survey).order_by(Survey.code)).all()
    return render_template("surveys/admin/index.html", surveys=found, import_form=form), 422


@bp.route("/admin/surveys/<int:survey_id>")
@admin
def admin_survey(survey_id: int):
    survey = _survey_or_404(survey_id)
    counts = {version.id: builder.answer_count(version) for version in survey.versions}
    return render_template("surveys/admin/survey.html", survey=survey, counts=counts, import_form=XlsformForm(),
                           units=services.survey_units(survey))


SURVEY_ACTIONS = ("publish", "new_version", "discard", "archive", "restore")


def _survey_action(action: str):
    """The view of a button on a survey's page (each its own route, so each is checked on its own)."""

    def view(survey_id: int):
        survey = _survey_or_404(survey_id)
        work, success = {
            "publish": (lambda: builder.publish_draft(survey, current_user),
                        _("The new version is published; answers from now on go to it.")),
            "new_version": (lambda: builder.new_draft(survey),
                            _("A new draft version was made from the latest one. The published version stays as "
                              "it is until you publish this one.")),
            "discard": (lambda: builder.discard_draft(survey), _("The draft was discarded.")),
            "archive": (lambda: builder.archive(survey), _("The survey is archived: no one can answer it now.")),
            "restore": (lambda: builder.restore(survey), _("The survey is open again.")),
        }[action]
        _result, refused = commit_or_flash(work)
        if not refused:
            flash(success, "success")
        if action == "new_version" and not refused:
            return redirect(url_for("surveys.admin_draft", survey_id=survey.id))
        return redirect(url_for("surveys.admin_survey", survey_id=survey.id))

    return view


for _action in SURVEY_ACTIONS:
    bp.add_url_rule(f"/admin/surveys/<int:survey_id>/{_action}", endpoint=f"admin_{_action}",
                    view_func=admin(_survey_action(_action)), methods=["POST"])


@bp.route("/admin/surveys/<int:survey_id>/import", methods=["POST"])
@admin
def admin_import_version(survey_id: int):
    survey = _survey_or_404(survey_id)
    form = XlsformForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        _version, refused = commit_or_show_errors(form, lambda: xlsform.import_survey(data, survey=survey))
        if not refused:
            flash(_("The form was imported as the new draft version."), "success")
            return redirect(url_for("surveys.admin_draft", survey_id=survey.id))
    counts = {version.id: builder.answer_count(version) for version in survey.versions}
    return render_template("surveys/admin/survey.html", survey=survey, counts=counts, import_form=form,
                           units=services.survey_units(survey)), 422


@bp.route("/admin/surveys/<int:survey_id>/versions/<int:number>/xlsform.xlsx")
@admin
def admin_export(survey_id: int, number: int):
    survey = _survey_or_404(survey_id)
    version = next((v for v in survey.versions if v.number == number), None)
    if version is None:
        abort(404)
    response = current_app.response_class(xlsform.export_version(version), mimetype=xlsform.MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{survey.code}-v{number}.xlsx"'
    return response


@bp.route("/admin/surveys/<int:survey_id>/versions/<int:number>/preview")
@admin
def admin_preview(survey_id: int, number: int):
    survey = _survey_or_404(survey_id)
    version = next((v for v in survey.versions if v.number == number), None)
    if version is None:
        abort(404)
    form = AnswerForm()
    return render_template("surveys/answer.html", survey=survey, version=services.load_version(version.id),
                           unit=None, procedure=None, form=form, values={}, question_errors={}, other_errors=[],
                           kiosk=False, types=question_types(), preview=True, action=None,
                           condition_text=services.condition_text)


@bp.route("/admin/surveys/<int:survey_id>/draft", methods=["GET", "POST"])
@admin
def admin_draft(survey_id: int):
    survey = _survey_or_404(survey_id)
    draft = _draft_or_redirect(survey)
    if draft is None:
        return redirect(url_for("surveys.admin_survey", survey_id=survey.id))
    form = TextsForm(obj=draft)
    status = 200
    if form.validate_on_submit():
        _result, refused = commit_or_show_errors(form, lambda: builder.update_texts(
            draft, form.title_vi.data or "", form.title_en.data or "", form.intro_vi.data or "",
            form.intro_en.data or ""))
        if not refused:
            flash(_("Saved."), "success")
            return redirect(url_for("surveys.admin_draft", survey_id=survey.id))
        status = refused
    elif form.errors:
        status = 422
    return render_template("surveys/admin/draft.html", survey=survey, draft=draft, form=form,
                           section_form=SectionForm(), problems=builder.problems(draft),
                           types=question_types()), status


def _section_or_404(survey: Survey, section_id: int) -> SurveySection:
    section = db.session.get(SurveySection, section_id)
    if section is None or section.version.survey_id != survey.id:
        abort(404)
    return section


def _question_or_404(survey: Survey, question_id: int) -> SurveyQuestion:
    question = db.session.get(SurveyQuestion, question_id)
    if question is None or question.version.survey_id != survey.id:
        abort(404)
    return question


@bp.route("/admin/surveys/<int:survey_id>/sections/new", methods=["GET", "POST"])
@bp.route("/admin/surveys/<int:survey_id>/sections/<int:section_id>", methods=["GET", "POST"])
@admin
def admin_section(survey_id: int, section_id: int | None = None):
    survey = _survey_or_404(survey_id)
    section = _section_or_404(survey, section_id) if section_id else None
    draft = section.version if section else survey.draft
    if draft is None or not draft.is_draft:
        flash(_("The survey has no draft: make a new version to edit it."), "error")
        return redirect(url_for("surveys.admin_survey", survey_id=survey.id))
    form = SectionForm(obj=section)
    if not form.validate_on_submit():
        return render_template("surveys/admin/section_form.html", survey=survey, section=section,
                               form=form), 422 if form.errors else 200
    action = (lambda: builder.update_section(section, form.spec())) if section else (
        lambda: builder.add_section(draft, form.spec()))
    _result, refused = commit_or_show_errors(form, action)
    if refused:
        return render_template("surveys/admin/section_form.html", survey=survey, section=section, form=form), refused
    flash(_("The section was saved."), "success")
    return redirect(url_for("surveys.admin_draft", survey_id=survey.id))


MOVES = ("up", "down", "delete")


def _section_action(action: str):
    def view(survey_id: int, section_id: int):
        survey = _survey_or_404(survey_id)
        section = _section_or_404(survey, section_id)
        commit_or_flash({"up": lambda: builder.move_section(section, -1),
                         "down": lambda: builder.move_section(section, 1),
                         "delete": lambda: builder.delete_section(section)}[action])
        return redirect(url_for("surveys.admin_draft", survey_id=survey.id,
                                _anchor=f"section-{section_id}" if action != "delete" else None))

    return view


def _question_action(action: str):
    def view(survey_id: int, question_id: int):
        survey = _survey_or_404(survey_id)
        question = _question_or_404(survey, question_id)
        commit_or_flash({"up": lambda: builder.move_question(question, -1),
                         "down": lambda: builder.move_question(question, 1),
                         "delete": lambda: builder.delete_question(question)}[action])
        return redirect(url_for("surveys.admin_draft", survey_id=survey.id,
                                _anchor=f"question-{question_id}" if action != "delete" else None))

    return view


for _action in MOVES:
    bp.add_url_rule(f"/admin/surveys/<int:survey_id>/sections/<int:section_id>/{_action}",
                    endpoint=f"admin_section_{_action}", view_func=admin(_section_action(_action)), methods=["POST"])
    bp.add_url_rule(f"/admin/surveys/<int:survey_id>/questions/<int:question_id>/{_action}",
                    endpoint=f"admin_question_{_action}", view_func=admin(_question_action(_action)),
                    methods=["POST"])


def _question_page(survey, draft, form, question=None, status=200):
    earlier = [q for q in draft.ordered_questions() if q is not question and q.options
               and (question is None or q.position < question.position)]
    return render_template("surveys/admin/question_form.html", survey=survey, question=question, form=form,
                           earlier=earlier, types=question_types()), status


@bp.route("/admin/surveys/<int:survey_id>/questions/new", methods=["GET", "POST"])
@bp.route("/admin/surveys/<int:survey_id>/questions/<int:question_id>", methods=["GET", "POST"])
@admin
def admin_question(survey_id: int, question_id: int | None = None):
    survey = _survey_or_404(survey_id)
    question = _question_or_404(survey, question_id) if question_id else None
    draft = question.version if question else survey.draft
    if draft is None or not draft.is_draft:
        flash(_("The survey has no draft: make a new version to edit it."), "error")
        return redirect(url_for("surveys.admin_survey", survey_id=survey.id))
    # Not QuestionForm(obj=question): its options and conditions are lists of rows, the form's are text.
    form = QuestionForm()
    form.section.choices = choices((str(s.id), s.title) for s in draft.sections)
    form.type.choices = choices((name, str(qtype.label)) for name, qtype in question_types().items())
    if request.method == "GET":
        if question is not None:
            for name in ("name", "type", "required", "label_vi", "label_en", "hint_vi", "hint_en"):
                getattr(form, name).data = getattr(question, name)
            form.section.data = str(question.section_id)
            form.options.data = format_options(question.options)
            form.conditions.data = format_conditions(question)
        else:
            form.section.data = request.args.get("section", "")
            form.type.data = "scale5"
            form.required.data = True
    if not draft.sections:
        flash(_("Add a section first."), "error")
        return redirect(url_for("surveys.admin_draft", survey_id=survey.id))
    if not form.validate_on_submit():
        return _question_page(survey, draft, form, question, 422 if form.errors else 200)
    section = next((s for s in draft.sections if str(s.id) == form.section.data), None)
    try:
        spec = form.spec()
    except LineError as problem:
        getattr(form, problem.field).errors = [str(problem)]
        return _question_page(survey, draft, form, question, 422)
    if section is None:
        form.section.errors = [_("Choose a section of this survey.")]
        return _question_page(survey, draft, form, question, 422)
    action = (lambda: builder.update_question(question, spec, section=section)) if question else (
        lambda: builder.add_question(section, spec))
    saved, refused = commit_or_show_errors(form, action)
    if refused:
        return _question_page(survey, draft, form, question, refused)
    flash(_("The question was saved."), "success")
    return redirect(url_for("surveys.admin_draft", survey_id=survey.id, _anchor=f"question-{saved.id}"))


# --- staff: sharing, kiosks, downloads, free text -------------------------------------------

staff = roles_required(*STAFF_ROLES)


@bp.route("/staff/surveys")
@staff
def staff_index():
    found = db.session.scalars(db.select(Survey).order_by(Survey.archived_at.is_not(None), Survey.code)).all()
    return render_template("surveys/staff/index.html", surveys=found, kiosk_unit=distribution.kiosk_unit())


@bp.route("/staff/surveys/<int:survey_id>/share")
@staff
def share(survey_id: int):
    survey = _survey_or_404(survey_id)
    units = exports.units_for(current_user, services.survey_units(survey))
    return render_template("surveys/staff/share.html", survey=survey, units=units)


def _qr(survey_id: int, unit: str, fmt: str):
    survey = _survey_or_404(survey_id)
    found = _unit_or_404(survey, unit)
    procedure = _procedure_or_404(request.args.get("procedure"))
    body, mimetype = distribution.qr(distribution.public_link(survey, found, procedure), fmt)
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{survey.code}-{found.code}.{fmt}"'
    return response


@bp.route("/staff/surveys/<int:survey_id>/<unit>/qr.svg")
@staff
def qr_svg(survey_id: int, unit: str):
    return _qr(survey_id, unit, "svg")


@bp.route("/staff/surveys/<int:survey_id>/<unit>/qr.png")
@staff
def qr_png(survey_id: int, unit: str):
    return _qr(survey_id, unit, "png")


@bp.route("/staff/surveys/<int:survey_id>/<unit>/poster.pdf")
@staff
def poster(survey_id: int, unit: str):
    survey = _survey_or_404(survey_id)
    found = _unit_or_404(survey, unit)
    procedure = _procedure_or_404(request.args.get("procedure"))
    response = current_app.response_class(distribution.poster_pdf(survey, found, procedure),
                                          mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{survey.code}-{found.code}.pdf"'
    return response


@bp.route("/staff/surveys/kiosk", methods=["GET", "POST"])
@staff
def kiosk_enrol():
    """Make this browser a survey kiosk of a unit: its answers are not limited by its address."""
    form = KioskForm()
    form.unit.choices = choices(unit_options(blank=_("— Not a kiosk —")))
    if request.method == "GET":
        form.unit.data = distribution.kiosk_unit() or ""
        return render_template("surveys/staff/kiosk.html", form=form)
    if not form.validate():
        return render_template("surveys/staff/kiosk.html", form=form), 400
    response = redirect(url_for("surveys.kiosk_enrol"))
    if form.unit.data:
        unit = services.unit_for_code(form.unit.data)
        if unit is None:
            form.unit.errors = [_("Choose a unit from the list.")]
            return render_template("surveys/staff/kiosk.html", form=form), 422
        distribution.enrol_kiosk(response, unit)
        flash(_("This screen is now a survey kiosk of %(unit)s.", unit=unit.name), "success")
    else:
        distribution.leave_kiosk(response)
        flash(_("This screen is no longer a survey kiosk."), "success")
    return response


@bp.route("/staff/surveys/<int:survey_id>/answers.<any(csv, xlsx):fmt>")
@staff
def answers_download(survey_id: int, fmt: str):
    survey = _survey_or_404(survey_id)
    form = ExportFilterForm(request.args)
    try:
        table = exports.answers_table(survey, current_user, unit=form.unit.data or "", month=form.month.data or "",
                                      version=form.version.data or "")
    except ServiceError as refusal:
        abort(404 if refusal.status == 404 else 400, str(refusal.message))
    return exports.download(fmt, table)


@bp.route("/staff/surveys/<int:survey_id>/comments")
@staff
def comments(survey_id: int):
    survey = _survey_or_404(survey_id)
    form = ExportFilterForm(request.args)
    units = exports.units_for(current_user, services.survey_units(survey))
    form.unit.choices = choices([("", _("All my units"))] + [(unit.code, unit.name) for unit in units])
    rows, next_cursor = exports.free_texts(survey, current_user, unit=form.unit.data or "",
                                           cursor=request.args.get("cursor"), limit=current_app.config["PAGE_SIZE"])
    next_url = url_with_query("surveys.comments", request.args, survey_id=survey.id, cursor=next_cursor) \
        if next_cursor else None
    return render_template("surveys/staff/comments.html", survey=survey, form=form, rows=rows, next_url=next_url)
