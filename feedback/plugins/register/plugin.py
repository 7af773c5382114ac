"""The register plugin's hook implementations."""

from __future__ import annotations

from feedback.hookspecs import hookimpl

SETTINGS = {
    # What an unsatisfied rating does: "reopen" the item, or "escalate" it to the parent unit.
    "REGISTER_UNSATISFIED": "reopen",
    # When an item's text and its answer's text become public: "review" (once staff have reviewed
    # their public version) or "masked" (masked automatically, at once).
    "REGISTER_PUBLICATION": "review",
}


@hookimpl
def feedback_default_settings():
    return SETTINGS


@hookimpl
def feedback_register_blueprints(app):
    from feedback.api.core import register_api
    from feedback.plugins.register.api import rating_bp, register_bp
    from feedback.plugins.register.views import bp

    register_api(app, register_bp, rating_bp)
    return [bp]


@hookimpl
def feedback_register_commands(cli, app):
    from feedback.plugins.register.cli import register

    cli.add_command(register)


@hookimpl
def feedback_item_status_changed(item, old, new, actor, action, event):
    """Keep the register's row of the item up to date (it enters the register when first assigned)."""
    from feedback.plugins.register.services import refresh

    refresh(item)


@hookimpl
def feedback_personal_data_erased(items, by):
    """The filer's comment on their rating is their own words: it goes with their personal data.
    Whether they were satisfied stays, as the register's figures count it."""
    from sqlalchemy import update

    from feedback.extensions import db
    from feedback.plugins.register.models import Rating

    db.session.execute(update(Rating).where(Rating.item_id.in_([item.id for item in items]), Rating.comment != "")
                       .values(comment=""))


@hookimpl
def feedback_response_published(item, response):
    from feedback.plugins.register.services import apply_reviewed_answer, refresh

    apply_reviewed_answer(item, response)
    refresh(item)


@hookimpl
def feedback_units_merged(sources, successor, actor):
    """Items that passed to the successor show it in the register."""
    from sqlalchemy import select

    from feedback.extensions import db
    from feedback.items.models import Item
    from feedback.plugins.register.models import RegisterEntry
    from feedback.plugins.register.services import refresh

    source_ids = [source.id for source in sources]
    moved = db.session.scalars(select(Item).join(RegisterEntry, RegisterEntry.item_id == Item.id).where(
        Item.unit_id == successor.id, RegisterEntry.unit_id.in_(source_ids)))
    for item in moved:
        refresh(item)


@hookimpl(tryfirst=True)
def feedback_public_view(item, view):
    """On an item's own page (tracking, kiosk, API), the register's rule of publication decides the
    texts (services.public_texts): reviewed ones, automatic masked ones, or none while they await review.

    The register's own rows were built by the same rule; they have no ``timeline``.
    """
    if "timeline" not in view:
        return
    from feedback.plugins.register.services import public_texts, reviewed_for

    texts = public_texts(item, reviewed_for(item))
    if view.get("title") is not None:
        view["title"] = texts.title
    if view.get("body") is not None:
        view["body"] = texts.body
    if view.get("response"):
        view["response"]["body"] = texts.answer
    view["text_awaiting_review"] = texts.text_awaiting_review
    view["answer_awaiting_review"] = texts.answer_awaiting_review


# trylast: pluggy calls the plugins registered later first, and the ratings need the core's demo items.
@hookimpl(trylast=True)
def feedback_demo_loaded(province, session):
    from feedback.plugins.register.demo import load_demo_ratings

    load_demo_ratings(province)


@hookimpl
def feedback_template_slot(name, context):
    from flask import url_for
    from flask_babel import gettext as _
    from markupsafe import Markup, escape

    if name == "item.after_status":
        item = context["item"]
        if context.get("staff"):
            label = (_("Review the public version and publish the answer") if item.pending_draft is not None
                     else _("Review the public version"))
            return Markup('<p><a class="button" href="%s">%s</a></p>') % (url_for("register.review", code=item.code),
                                                                          escape(label))
        if context.get("filer") and item.published_response is not None:
            return Markup('<p><a class="button" href="%s">%s</a></p>') % (
                url_for("register.rating", code=item.code), escape(_("Rate the answer")))
        if item.status != "received":
            return Markup('<p><a href="%s">%s</a></p>') % (url_for("register.item", code=item.code),
                                                           escape(_("See it in the public register")))
    if name == "staff.menu":
        return Markup('<li><a href="%s">%s</a></li>') % (url_for("register.review_queue"),
                                                         escape(_("Public versions to review")))
    if name == "layout.menu":
        return Markup('<li><a href="%s">%s</a></li><li><a href="%s">%s</a></li>') % (
            url_for("register.index"), escape(_("Public register")),
            url_for("register.dashboard"), escape(_("Dashboard")))
    if name == "home.cards":
        card = Markup('<a class="card" href="%s"><h2>%s</h2><p>%s</p></a>')
        return card % (url_for("register.index"), _("Public register"),
                       _("Every item and its published answer, searchable, with or without accents.")) + \
            card % (url_for("register.dashboard"), _("Accountability dashboard"),
                    _("How each unit answers on time, against the target of every item on time, month by month."))
    return None
