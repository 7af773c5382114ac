"""The register's pages: the public register, an item's page, feeds, downloads, the dashboard,
the filer's rating and the staff review of public texts."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from feedback import exports
from feedback.errors import ServiceError
from feedback.extensions import db
from feedback.forms import apply_errors, choices, commit_or_show_errors, unit_picker, units_kept
from feedback.items import services as items
from feedback.items.models import KINDS, TOPICS
from feedback.items.states import STATUSES
from feedback.items.access import filer_item, staff_item
from feedback.links import public_url
from feedback.plugins.register import figures as shown
from feedback.plugins.register import services, stats
from feedback.plugins.register.forms import PeriodForm, RatingForm, ReviewForm, SearchForm
from feedback.redaction import LABELS, segments
from feedback.templating import translated
from feedback.timeutil import utcnow
from feedback.units.models import Unit
from feedback.urls import query_values

bp = Blueprint("register", __name__, template_folder="templates")

EXPORT_MAX_ROWS = 10_000
FEED_SIZE = 50


@bp.context_processor
def labels():
    return {"kind_label": lambda kind: translated(KINDS.get(kind, kind)),
            "topic_label": lambda topic: translated(TOPICS.get(topic, topic))}


# --- the register ---------------------------------------------------------------------------


def _search_form() -> SearchForm:
    form = SearchForm(request.args)
    unit_picker(form.unit, blank=_("All units"), with_code=False)
    form.field.choices = choices([("", _("All fields"))] + [(name, name) for name in services.fields()])
    form.kind.choices = choices([("", _("Any kind"))] + list(KINDS.items()))
    form.topic.choices = choices([("", _("Any topic"))] + list(TOPICS.items()))
    form.status.choices = choices([("", _("Any status"))] + [(k, v) for k, v in STATUSES.items() if k != "received"])
    form.timeliness.choices = choices([("", _("On time or late")), ("on_time", _("On time")), ("late", _("Late"))])
    form.sort.choices = choices([("received_desc", _("Newest first")), ("received_asc", _("Oldest first")),
                                 ("answered_desc", _("Latest answers first"))])
    return form


def _filters(form: SearchForm) -> services.RegisterFilters:
    return services.RegisterFilters(
        q=(form.q.data or "").strip(), unit=form.unit.data or "", field=form.field.data or "",
        procedure=(form.procedure.data or "").strip(), kind=form.kind.data or "", topic=form.topic.data or "",
        status=form.status.data or "", timeliness=form.timeliness.data or "",
        date_from=form.date_from.data, date_to=form.date_to.data, sort=form.sort.data or "received_desc",
    )


@bp.route("/register")
def index():
    form = _search_form()
    if not form.validate():
        return render_template("register/index.html", form=form, rows=[], next_url=None), 400
    try:
        filters = _filters(form)
        entries, next_cursor = services.search(filters, request.args.get("cursor") or None,
                                               limit=current_app.config["PAGE_SIZE"])
        found = services.count(filters)
    except ServiceError as exc:
        apply_errors(form, exc)
        if "cursor" in exc.fields:
            form.form_errors.append(str(exc.fields["cursor"]))
        return render_template("register/index.html", form=form, rows=[], next_url=None), exc.status
    args = {key: value for key, value in query_values(drop=("cursor", "fmt")).items() if value}
    next_url = url_for("register.index", **args, cursor=next_cursor) if next_cursor else None
    return render_template("register/index.html", form=form, rows=services.views_of(entries), next_url=next_url,
                           download_args=args, found=found, count_cap=services.COUNT_CAP,
                           search_form=_empty_search_form(form))


def _empty_search_form(form: SearchForm) -> Markup | None:
    """The search form of the register's first page (nothing asked), rendered once per language,
    list of fields and version of the units (feedback.forms.units_kept); None when something was
    asked (the form shows it)."""
    if request.args:
        return None
    kept = units_kept()
    key = ("register search form", str(get_locale()), tuple(choice.value for choice in form.field.choices))
    html = kept.get(key)
    if html is None:
        # nosec: rendered by our template, escaped by Jinja.
        html = kept[key] = Markup(render_template("register/_search_form.html", form=form))  # nosec B704
    return html


@bp.route("/register/items/<code>")
def item(code: str):
    entry = services.find_entry(code)
    if entry.code != code:
        return redirect(url_for("register.item", code=entry.code))
    found = items.find_item(entry.code)
    row = services.views_of([entry])[0]
    timeline = items.public_view(found).get("timeline", [])
    return render_template("register/item.html", row=row, timeline=timeline)


def _all_views(filters: services.RegisterFilters):
    """Every row of a download, a keyset page at a time, up to EXPORT_MAX_ROWS."""
    cursor, count = None, 0
    while count < EXPORT_MAX_ROWS:
        entries, cursor = services.search(filters, cursor, limit=min(1000, EXPORT_MAX_ROWS - count))
        views = services.views_of(entries)
        count += len(views)
        yield from views
        if cursor is None:
            break


@bp.route("/register/download.<any(csv, xlsx, json):fmt>")
def download(fmt: str):
    form = _search_form()
    if not form.validate():
        return render_template("register/index.html", form=form, rows=[], next_url=None), 400
    return exports.download(fmt, "register", shown.register_rows(_all_views(_filters(form))))


# --- feeds ----------------------------------------------------------------------------------


def _feed(unit: Unit | None):
    views = services.views_of(services.latest_answers(unit, FEED_SIZE))
    updated = max((v["response"]["published_at"] for v in views if v.get("response")), default=utcnow())
    self_url = public_url("register.unit_feed", code=unit.code) if unit else public_url("register.feed")
    body = render_template("register/feed.xml", views=views, unit=unit, updated=updated, self_url=self_url)
    return current_app.response_class(body, mimetype="application/atom+xml")


@bp.route("/register/feed.atom")
def feed():
    return _feed(None)


@bp.route("/register/units/<code>/feed.atom")
def unit_feed(code: str):
    return _feed(_unit_or_404(code))


def _unit_or_404(code: str) -> Unit:
    found = db.session.scalar(select(Unit).where(Unit.code == code))
    if found is None:
        abort(404)
    return found


# --- the dashboard --------------------------------------------------------------------------


def _period() -> tuple[PeriodForm, tuple]:
    form = PeriodForm(request.args)
    if not form.validate():
        return form, None
    try:
        return form, stats.period(form.date_from.data, form.date_to.data)
    except ServiceError as exc:
        apply_errors(form, exc)
        form.date_to.errors = list(form.date_to.errors) + list(exc.fields.values())
        return form, None


@bp.route("/dashboard")
def dashboard():
    form, period = _period()
    if period is None:
        return render_template("register/dashboard.html", form=form, figures=None), 400
    figures = stats.dashboard(*period, names=stats.SHOWN)
    months = stats.trend(period[1], names=stats.SHOWN_BY_MONTH)
    return render_template("register/dashboard.html", form=form, figures=figures,
                           ranking=shown.ranking_chart(figures) if figures["on_time"] else None,
                           trend=shown.trend_chart(months, figures["target"]) if months is not None else None,
                           period_args={"date_from": period[0].isoformat(), "date_to": period[1].isoformat()})


@bp.route("/dashboard/units/<code>")
def unit_dashboard(code: str):
    unit = _unit_or_404(code)
    form, period = _period()
    if period is None:
        return render_template("register/unit.html", form=form, unit=unit, figures=None), 400
    figures = stats.dashboard(*period, unit=unit, names=stats.SHOWN)
    months = stats.trend(period[1], unit=unit, names=stats.SHOWN_BY_MONTH)
    return render_template("register/unit.html", form=form, unit=unit, figures=figures,
                           trend=shown.trend_chart(months, figures["target"]) if months is not None else None,
                           period_args={"date_from": period[0].isoformat(), "date_to": period[1].isoformat()})


@bp.route("/dashboard/stats.<any(csv, xlsx, json):fmt>")
def stats_download(fmt: str):
    form, period = _period()
    if period is None:
        abort(400)
    figures = stats.dashboard(*period)
    units = shown.unit_rows(figures["units"])
    if fmt == "csv":
        return exports.download(fmt, "statistics", units)
    months = stats.trend(period[1])
    monthly = shown.month_rows(months) if months is not None else None
    return exports.download(fmt, "statistics", units, sheets=[units] + ([monthly] if monthly is not None else []), document={
        "from": period[0], "to": period[1], "target": figures["target"], "on_time_figures": figures["on_time"],
        "units": units, "totals": figures["totals"], "months": monthly,
        "ranking": [{key: row[key] for key in ("unit", "on_time_rate", "on_time_rate_low", "counted", "too_few")}
                    for row in figures["ranking"]]})


# --- the filer's rating ---------------------------------------------------------------------


@bp.route("/track/<code>/rating", methods=["GET", "POST"])
def rating(code: str):
    found = filer_item(code)
    form = RatingForm()
    existing = services.rating_of(found)
    status = 200
    if request.method == "POST" and form.validate():
        _result, status = commit_or_show_errors(
            form, lambda: services.rate(found, form.satisfied.data == "yes", form.comment.data or ""))
        if status is None:
            flash(_("Thank you: your rating was recorded."), "success")
            return redirect(url_for("items.private", code=found.code))
    elif request.method == "POST":
        status = 422
    return render_template("register/rating.html", item=found, form=form, existing=existing), status


# --- staff review of the public texts -------------------------------------------------------


@bp.route("/staff/register")
@login_required
def review_queue():
    """The items of the user's units whose public version waits for a review."""
    try:
        entries, next_cursor = services.awaiting_review(current_user, request.args.get("cursor") or None,
                                                        limit=current_app.config["PAGE_SIZE"])
    except ServiceError:
        abort(400)
    next_url = url_for("register.review_queue", cursor=next_cursor) if next_cursor else None
    return render_template("register/review_queue.html", rows=services.views_of(entries), next_url=next_url)


@bp.route("/staff/register/<code>", methods=["GET", "POST"])
@login_required
def review(code: str):
    """The review of an item's public version: the masked title, text and answer, with what still
    looks like personal data marked; staff edit and confirm, and the head may publish the answer."""
    found = staff_item(code)
    reviewed = db.session.get(services.PublicText, found.id)
    form = ReviewForm()
    answer = found.published_response or found.pending_draft
    if request.method == "GET":
        form.process(data=services.proposed(found, reviewed))
    status = 200
    if request.method == "POST" and form.validate():
        publish = request.form.get("publish") == "1"
        _result, status = commit_or_show_errors(form, lambda: services.review(
            found, current_user, title=form.title.data, body=form.body.data, answer=form.answer.data,
            publish_answer=publish))
        if status is None:
            flash(_("The answer was published with its reviewed public version.") if publish
                  else _("The public version was reviewed and saved."), "success")
            return redirect(url_for("register.review", code=found.code))
    elif request.method == "POST":
        status = 422
    entry = db.session.get(services.RegisterEntry, found.id)
    names = services.filer_names(found)
    marked = {name: segments(getattr(form, name).data or "", names) for name in ("title", "body", "answer")}
    original = {"title": segments(found.title, names), "body": segments(found.body, names),
                "answer": segments(answer.body, names) if answer is not None else []}
    texts = services.public_texts(found, reviewed)
    return render_template("register/review.html", item=found, form=form, entry=entry, answer=answer,
                           rating=services.rating_of(found), reviewed=reviewed, texts=texts, marked=marked,
                           original=original, labels=LABELS,
                           can_publish=answer is not None and answer.published_at is None
                           and items.can_publish_answer(current_user, found)), status
