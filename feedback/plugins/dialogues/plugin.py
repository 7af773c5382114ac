"""The dialogues plugin's hook implementations: six-monthly dialogue sessions of every unit with
citizens and businesses, from questions to published minutes and kept commitments."""

from __future__ import annotations

from feedback.hookspecs import hookimpl

SETTINGS = {
    # A session is announced this many working days ahead (it cannot be planned or moved closer).
    "DIALOGUES_NOTICE_WORKING_DAYS": 7,
    # The minutes are due this many working days after the session closes.
    "DIALOGUES_MINUTES_DUE_WORKING_DAYS": 10,
    # Every unit holds a session this often; the next one is proposed this long after the last.
    "DIALOGUES_INTERVAL_MONTHS": 6,
    # The kinds of unit that must hold dialogues (the overview lists them).
    "DIALOGUES_UNIT_KINDS": ["province", "department", "sub_department", "service_centre", "commune", "district"],
    # Agenda suggestions: a procedure with at least this many items in the period; a satisfaction
    # rate (from any plugin's figures) below this.
    "DIALOGUES_MANY_ITEMS": 3,
    "DIALOGUES_LOW_SATISFACTION": 0.85,
    # Questions and registrations sent on the public page, per address.
    "RATELIMIT_DIALOGUES": "5 per minute;50 per day",
}


@hookimpl
def feedback_add_hookspecs(pm):
    from feedback.plugins.dialogues import hookspecs

    pm.add_hookspecs(hookspecs)


@hookimpl
def feedback_default_settings():
    return SETTINGS


@hookimpl
def feedback_register_blueprints(app):
    from feedback.api.core import register_api
    from feedback.plugins.dialogues.api import bp as api_bp
    from feedback.plugins.dialogues.views import bp, staff_bp

    register_api(app, api_bp)
    return [bp, staff_bp]


@hookimpl
def feedback_message_templates():
    from feedback.plugins.dialogues.messages import TEMPLATES

    return TEMPLATES


@hookimpl
def feedback_dialogue_changed(session, change):
    """Those who registered get the updated or cancelled calendar event."""
    if change in ("moved", "cancelled"):
        from feedback.plugins.dialogues.messages import tell_registrants

        tell_registrants(session, change)


@hookimpl
def feedback_obligation_types():
    from flask_babel import lazy_gettext as _l

    from feedback.obligations.services import ObligationType
    from feedback.plugins.dialogues.services import COMMITMENT, KEPT, MINUTES, SESSION

    return [ObligationType(SESSION, MINUTES, _l("Minutes of a dialogue session")),
            ObligationType(COMMITMENT, KEPT, _l("Commitment made at a dialogue session"))]


@hookimpl
def feedback_obligations_due(owner_type, notices, now):
    """Commitments and minutes due soon, due today or overdue: remind the unit, escalate to the parent."""
    from feedback.plugins.dialogues.services import COMMITMENT, SESSION

    if owner_type in (COMMITMENT, SESSION):
        from feedback.plugins.dialogues.reminders import tell_due

        tell_due(owner_type, notices, now)


@hookimpl
def feedback_unit_statistics(units, date_from, date_to, by_month, names):
    """Dialogues held, late dialogues and minutes, and commitments open, overdue and kept."""
    if by_month:
        return None  # figures for the whole period only
    if names is not None and not names & {"dialogues_held", "dialogue_late", "minutes_late", "commitments_open",
                                          "commitments_overdue", "commitments_kept", "commitments_done_late",
                                          "commitments_kept_rate"}:
        return None  # the caller shows none of them
    from feedback.plugins.dialogues.overview import unit_figures

    # None when there is nothing to give: an empty answer reads as "keeps these figures, none yet".
    return unit_figures(units, date_from, date_to) or None


@hookimpl
def feedback_unit_statistics_columns():
    from flask_babel import lazy_gettext as _l

    from feedback.exports import Column

    return [Column("dialogues_held", _l("Dialogue sessions held"), "int"),
            Column("dialogue_late", _l("Late with its dialogue"), "bool"),
            Column("minutes_late", _l("Minutes late"), "int"),
            Column("commitments_open", _l("Commitments open"), "int"),
            Column("commitments_overdue", _l("Commitments overdue"), "int"),
            Column("commitments_kept", _l("Commitments kept on time"), "int"),
            Column("commitments_done_late", _l("Commitments done late"), "int"),
            Column("commitments_kept_rate", _l("Share of commitments done that were kept on time"), "percent")]


@hookimpl
def feedback_units_merged(sources, successor, actor):
    """Open commitments and coming sessions of merged units pass to the successor; held sessions
    stay with the units that held them, so that old figures stay readable."""
    from feedback.plugins.dialogues.services import merge_into

    merge_into(sources, successor, actor)


@hookimpl
def feedback_demo_loaded(province, session):
    from feedback.plugins.dialogues.demo import load_demo_dialogues

    load_demo_dialogues(province)


@hookimpl
def feedback_template_slot(name, context):
    if name not in ("layout.menu", "staff.menu"):
        return None
    from flask import url_for
    from flask_babel import gettext as _
    from markupsafe import Markup, escape

    if name == "layout.menu":
        return Markup('<li><a href="%s">%s</a></li>') % (url_for("dialogues.index"), escape(_("Dialogues")))
    return Markup('<li><a href="%s">%s</a></li>') % (url_for("staff_dialogues.index"), escape(_("Dialogue sessions")))
