"""The plugin contract: every hook a plugin may implement, documented by its docstring.

Call hooks with keyword arguments only. Arguments may be added; none is renamed or removed
without a deprecation period. Implementations may accept any subset of a hook's arguments.
"""

from __future__ import annotations

import pluggy

PROJECT = "feedback"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ---------------------------------------------------------------------------------------------
# Setup: called while the application is built, once per app.
# ---------------------------------------------------------------------------------------------


@hookspec(historic=True)
def feedback_add_hookspecs(pm):
    """Add this plugin's own hookspecs (pytest's ``pytest_addhooks``).

    :param pm: the application's :class:`pluggy.PluginManager`; call ``pm.add_hookspecs(module)``
        with a module of ``@hookspec`` functions (use :data:`hookspec` from this module).

    Called once for each plugin as it is registered (a historic hook), before any other of its
    hooks. A plugin owns the hooks it adds: another plugin that implements them marks its
    implementations ``@hookimpl(optionalhook=True)``, so that it still loads when the owner is
    switched off. Must not touch the database or the app.
    """


@hookspec
def feedback_default_settings():
    """Return this plugin's settings with their defaults.

    :return: a dict of setting name → default value (or ``None``).

    Called once by ``create_app`` right after the plugins are loaded. The defaults sit above the
    core's (``feedback.config.DEFAULTS``) and below ``FEEDBACK_*`` environment variables and the
    mapping passed to ``create_app``; a switched-off plugin brings none. Must be a plain dict:
    no database, no I/O.
    """


@hookspec
def feedback_register_blueprints(app):
    """Return the Flask blueprints this plugin serves.

    :param app: the :class:`flask.Flask` application being built.
    :return: a list of :class:`flask.Blueprint` (or ``None``).

    Called once by ``create_app`` after the extensions are attached. A plugin's templates live in
    its blueprint's ``templates/<plugin>/`` folder. Must not touch the database.
    """


@hookspec
def feedback_register_commands(cli, app):
    """Add ``flask`` sub-commands.

    :param cli: the application's :class:`flask.cli.AppGroup` (``app.cli``); call
        ``cli.add_command(...)`` on it.
    :param app: the :class:`flask.Flask` application being built.

    Called once by ``create_app``. Commands run inside an application context.
    """


@hookspec
def feedback_demo_loaded(province, session):
    """Add this plugin's demo records to the demo province.

    :param province: the root :class:`feedback.units.models.Unit` of the demo data.
    :param session: the SQLAlchemy session; add and flush, never commit.

    Called by ``flask demo`` after the core's units, staff and procedures are flushed and before
    the single commit, so that the demo shows everything the installed plugins do.
    """


# ---------------------------------------------------------------------------------------------
# Events: called inside the core's transaction, after flush and before commit; every
# implementation runs, each in its own savepoint, and a failing one is logged and skipped.
# ---------------------------------------------------------------------------------------------


@hookspec
def feedback_units_merged(sources, successor, actor):
    """Units were merged into a successor.

    :param sources: the list of :class:`feedback.units.models.Unit` that stop existing.
    :param successor: the :class:`feedback.units.models.Unit` that takes over their work.
    :param actor: the :class:`feedback.auth.models.User` who merged them, or ``None`` (CLI).

    Called by :func:`feedback.units.services.merge_units` after the core moved child units and
    flushed; the core's people (feedback.auth) move the staff first. A plugin moves its own open records to the successor and keeps history
    tied to the old units, so that old statistics stay readable. Must not commit nor do slow I/O.
    """


# ---------------------------------------------------------------------------------------------
# Obligations: deadlines for anything (feedback.obligations).
# ---------------------------------------------------------------------------------------------


@hookspec
def feedback_obligation_types():
    """Return the kinds of obligation this plugin owns.

    :return: a list of :class:`feedback.obligations.services.ObligationType` (``owner_type``,
        ``kind``, ``label``), e.g. ``ObligationType("item", "answer", _l("Answer"))``.

    Called whenever the core opens an obligation (an unregistered type is refused) and at each
    tick (only registered types are reminded and escalated, so that switching a capability off
    also silences its deadlines). Must not touch the database.
    """


@hookspec
def feedback_obligations_due(owner_type, notices, now):
    """Obligations of ``owner_type`` reached a reminder or escalation point: decide who is told.

    :param owner_type: the owner type these notices are about (``"item"``...); an implementation
        ignores the types it does not own.
    :param notices: the list of new :class:`feedback.obligations.models.ObligationNotice`, each with
        its ``obligation`` loaded and a ``kind``: ``"due_soon"`` (due within
        ``REMINDER_WORKING_DAYS_BEFORE`` working days), ``"due_today"`` (due before the end of
        today) or ``"overdue"`` (its deadline passed, still open).
    :param now: the aware UTC datetime of the tick.

    Called by :func:`feedback.obligations.services.give_notices` at each tick, once per owner type
    with all of its new notices (never once per row): load the owners in one query and ask for the
    messages in one call. Each notice is given once per obligation, kind and deadline; an extended
    deadline gets its own. Must not commit nor do slow I/O.
    """


@hookspec
def feedback_obligations_recounted(owner_type, changes, actor):
    """Open obligations of ``owner_type`` got new deadlines after a change of the calendar.

    :param owner_type: the owner type (``"item"``...); ignore the others.
    :param changes: the list of :class:`feedback.obligations.models.ObligationChange`
        (``action`` ``"recounted"``, ``due_before``, ``due_after``, ``obligation``).
    :param actor: the :class:`feedback.auth.models.User` who changed the calendar.

    Called once per owner type, inside the transaction of the calendar change. The owner keeps
    its copies of the deadline in step and logs the move. Must not commit nor do slow I/O.
    """


# ---------------------------------------------------------------------------------------------
# Messages: asked for by any capability (feedback.messages), sent by a notification plugin.
# ---------------------------------------------------------------------------------------------


@hookspec
def feedback_message_templates():
    """Return the texts of this plugin's kinds of message.

    :return: a list of :class:`feedback.messages.Template`: a ``kind`` (``"filed"``,
        ``"reminder"``, ``"survey_invitation"``...), ``texts()`` giving ``(sms, subject, body)``
        with ``%(name)s`` places (written with gettext: it is called in the recipient's language;
        an empty text is not sent on its channels), and ``values(about)`` giving the places'
        values from what the message is about.

    Called whenever a message is written (:func:`feedback.messages.ask` and ``compose``); the
    first plugin to register a kind wins. Must not touch the database.
    """


@hookspec
def feedback_messages_requested(messages):
    """Messages were asked for: carry them out.

    :param messages: a list of :class:`feedback.messages.Message`, each one message on one
        channel, written in the recipient's language: ``key`` (the same for every try, and the
        same when the same request is asked for again), ``channel`` (``"sms"``, ``"email"``...),
        ``kind``, ``address``, ``subject``, ``body``, ``owner_type`` and ``owner_id`` (what it is
        about: ``"item"`` and its id), ``reference`` and ``link`` (a label and a staff page to
        show), ``attachment`` and ``attachment_name``.

    Called by :func:`feedback.messages.ask` inside the asking transaction, once per call with all
    its messages (a tick asks for hundreds in one call: write them in one go). A sending plugin
    writes them down (an outbox) in this transaction, skips keys it already has, and sends them
    from jobs after the commit. Must not do slow I/O.
    """


# ---------------------------------------------------------------------------------------------
# Templates: named places in the core's pages that plugins fill.
# ---------------------------------------------------------------------------------------------


@hookspec
def feedback_template_slot(name, context):
    """Return content for the named place of a page, or ``None``.

    :param name: one of :data:`feedback.templating.SLOTS` (an unknown name raises in debug
        and tests instead of silently rendering nothing).
    :param context: a dict of what the page knows (e.g. ``unit`` on a unit's page).
    :return: text (escaped before it is shown) or :class:`markupsafe.Markup` (shown as is,
        the plugin vouches for it), or ``None``.

    All implementations are called; their results are joined. Must not query the database:
    everything needed is in ``context``.
    """


# ---------------------------------------------------------------------------------------------
# Items: events (inside the core's transaction, each implementation in its own savepoint).
# ---------------------------------------------------------------------------------------------


@hookspec
def feedback_item_filed(item):
    """A complaint or petition was filed (on the web, at a kiosk, by staff or through the API).

    :param item: the new :class:`feedback.items.models.Item`, flushed, with its code, unit
        (``None`` when it waits in the reception queue), contact and attachments.

    Called by :func:`feedback.items.services.file_item` once per item (a repeated submission
    with the same form token or Idempotency-Key does not call it again), before routing. May add
    rows (an outbox message); must not commit nor do slow I/O: ask ``feedback.jobs`` for that.
    """


@hookspec
def feedback_item_status_changed(item, old, new, actor, action, event):
    """The state machine moved an item.

    :param item: the :class:`feedback.items.models.Item`, already in its new state.
    :param old: the status before (a key of ``feedback.items.states.STATUSES``).
    :param new: the status after; equal to ``old`` for an extension of the deadline.
    :param actor: the :class:`feedback.auth.models.User` who acted, or ``None`` (the filer, or
        the system when an item is routed automatically).
    :param action: the action's name (``assign``, ``transfer``, ``extend``, ``respond``, ...).
    :param event: the :class:`feedback.items.models.ItemEvent` just written to the log.

    Called by :func:`feedback.items.services.transition` and by routing at filing, after flush.
    Must not commit nor do slow I/O.
    """


@hookspec
def feedback_response_published(item, response):
    """The head of unit published an answer to an item.

    :param item: the :class:`feedback.items.models.Item`, now ``responded``.
    :param response: the published :class:`feedback.items.models.Response`; its
        ``public_body`` has personal data masked.

    Called by :func:`feedback.items.services.transition` after ``feedback_item_status_changed``.
    Must not commit nor do slow I/O.
    """


# ---------------------------------------------------------------------------------------------
# Items: decisions. Stops at first non-None result; the built-in answers are trylast.
# ---------------------------------------------------------------------------------------------


@hookspec
def feedback_personal_data_erased(items, by):
    """The personal data of these items was removed (Law 91/2025): remove the plugin's own copies.

    :param items: the :class:`feedback.items.models.Item` objects, their contact data already blank
        and their title and text masked (the public record is kept).
    :param by: ``"filer"`` (the filer asked, proven by the access key) or ``"retention"`` (closed
        longer than ``FEEDBACK_PERSONAL_DATA_RETENTION_DAYS``).

    Called by :func:`feedback.items.services.erase_personal_data` inside its transaction, not
    isolated: a plugin that fails rolls the whole removal back, so that nothing is half removed.
    Remove or mask rows (addresses in an outbox, names in a generated document); never commit.
    """


@hookspec(firstresult=True)
def feedback_item_assignee(item):
    """Who answers for this item.

    :param item: the :class:`feedback.items.models.Item`, with its unit (and procedure) set.
    :return: a :class:`feedback.auth.models.User`, or ``None`` to leave the item in the reception
        queue.

    Called when an item is filed with a known unit, assigned by reception, or transferred.
    Stops at first non-None result. Must not change the item: the core records the assignment.
    """


@hookspec(firstresult=True)
def feedback_item_deadline(item, start, cause, days):
    """By when the item must be answered.

    :param item: the :class:`feedback.items.models.Item` (unit, kind, topic and procedure set).
    :param start: the aware datetime the count starts from (when the item was received, or when
        it reached a new unit).
    :param cause: ``"filed"``, ``"assigned"``, ``"transferred"``, ``"extended"``, ``"reopened"``, or
        ``"awaiting_routing"``: the item has no unit yet, and the answer is the reception desk's
        deadline to route it (the item's ``unit`` is ``None``).
    :param days: for ``"extended"``, the working days asked for; otherwise ``None``.
    :return: a :class:`feedback.workdays.Deadline`, or ``None`` for no deadline (or, for
        ``"transferred"``, to keep the deadline the item had).

    Stops at first non-None result. Must not change the item: the core stores the deadline as
    the item's obligation (:mod:`feedback.obligations`) and mirrors it on the item.
    """


@hookspec(firstresult=True)
def feedback_item_may_answer(item, user):
    """Whether ``user`` may publish the answer to ``item`` (otherwise their answer is a draft).

    :param item: the :class:`feedback.items.models.Item`.
    :param user: the :class:`feedback.auth.models.User` answering.
    :return: ``True`` or ``False``; ``None`` to let the next plugin decide.

    Stops at first non-None result. The core's default: only the head of the item's unit.
    """


# ---------------------------------------------------------------------------------------------
# Periodic work and the calendar. (The accountability plugin specifies its own events:
# feedback.plugins.accountability.hookspecs.)
# ---------------------------------------------------------------------------------------------


@hookspec
def feedback_tick(now):
    """Do this plugin's periodic work (reminders, escalations, letters, sweeps).

    :param now: the aware UTC datetime of this run.
    :return: a short summary for the log (``str``), or ``None``.

    Called by ``flask tick`` (from cron, or RQ's scheduler), once per plugin, each in its own
    transaction: the command commits after each plugin and rolls back a failing one. Must be
    idempotent: running tick twice does nothing the second time.
    """


@hookspec
def feedback_calendar_changed(day, working, actor):
    """An administrator recorded (or removed) an announced change of the working-day calendar.

    :param day: the :class:`datetime.date` changed.
    :param working: ``True`` if it became a working day, ``False`` a day off, ``None`` if the
        change was removed.
    :param actor: the :class:`feedback.auth.models.User` who changed it.

    Called inside the transaction of the change, after flush. A deadline policy recomputes the
    deadlines of open items (never of answered or closed ones) and logs what it moved.
    """


# ---------------------------------------------------------------------------------------------
# Public views: what anyone may see of an item. Every implementation is called (a chain).
# ---------------------------------------------------------------------------------------------


@hookspec
def feedback_public_view(item, view):
    """Tighten what the public sees of an item, by changing ``view`` in place.

    :param item: the :class:`feedback.items.models.Item` shown. In lists (register pages, feeds,
        downloads) its relationships are not loaded: read ``view``, not ``item.contact`` or
        ``item.events``, or each row costs a query.
    :param view: the dict about to be shown or sent, with no personal data in it: ``code``,
        ``kind``, ``topic``, ``status``, ``unit`` and ``procedure`` (``{"code", "name"}`` or
        ``None``), ``title`` and ``body`` (masked public texts, ``None`` when the filer did not
        agree to publish), ``received_at``, ``due_at``, ``responded_at``, ``overdue``,
        ``response`` (``{"body", "published_at", "unit", "head_name", "head_title"}`` or ``None``; its
        ``body`` is ``None`` while the answer's public text waits for a staff review) and, on
        an item's own page, ``timeline`` (a list of public events). The register adds ``late``,
        ``late_days``, ``extended``, ``transferred`` and ``rating``. Test a key before using it.
    :return: ignored; change ``view`` in place (remove a key, set it to ``None``, mask more).

    Not firstresult: every implementation is called, ``tryfirst`` ones first, and each sees the
    changes of those before it, so that several plugins can each take something away. The
    register plugin runs ``tryfirst`` and applies its rule of publication: the texts staff reviewed,
    or, by default, no title, text or answer text until staff have reviewed them (it adds
    ``text_awaiting_review`` and ``answer_awaiting_review``). Called by
    :func:`feedback.items.services.public_view` (tracking page, kiosk, ``GET /api/v1/items/{code}``)
    and for every row the register shows, feeds or exports. Must only remove or mask: never add
    personal data, never query the database, never commit.
    """


# ---------------------------------------------------------------------------------------------
# Statistics across plugins: dashboards and scorecards ask, the plugins that keep figures answer.
# ---------------------------------------------------------------------------------------------


@hookspec
def feedback_unit_statistics(units, date_from, date_to, by_month, names):
    """This plugin's figures per unit over a period, for dashboards and scorecards.

    :param units: the list of :class:`feedback.units.models.Unit` asked about, or ``None`` for
        every unit that has figures in the period.
    :param date_from: the first local :class:`datetime.date` of the period.
    :param date_to: the last local :class:`datetime.date` of the period (included).
    :param by_month: ``False``: figures for the whole period; ``True``: the same figures for each
        calendar month of the period (a plugin may give fewer figures by month).
    :param names: the names of the figures the caller shows (a set), or ``None`` for all of them (a
        download). An implementation that gives none of these may answer ``None`` without counting
        anything: a page does not wait for figures it does not show.
    :return: ``None`` when this plugin keeps no figures; otherwise a dict ``{unit id: figures}``
        (``{unit id: {first day of the month: figures}}`` by month), where figures is a dict of
        name → number (or ``None`` when it cannot be computed) with the plugin's own names, e.g.
        the accountability plugin's ``received``, ``answered``, ``answered_on_time``,
        ``answered_late``, ``open_overdue``, ``on_time_rate``, ``mean_working_days`` and
        ``p90_working_days``. A unit without figures may be left out.

    Every implementation is called; the caller merges the figures of each unit. Called once per
    page (never once per unit or row), so an implementation answers in a few set-based queries.
    Must only read: no change, no commit.
    """


@hookspec
def feedback_unit_statistics_columns():
    """Return how the figures this plugin gives through ``feedback_unit_statistics`` are shown.

    :return: a list of :class:`feedback.exports.Column`, one per figure name: its key, its header
        (a lazy translatable string, so that a download's header is in the visitor's language) and
        its type (``"int"``, ``"percent"``...).

    Called by the dashboard's downloads (``/dashboard/stats.csv|xlsx|json``) to head the columns
    of other plugins' figures; a figure without a column is headed by its name. Must not touch
    the database.
    """


# ---------------------------------------------------------------------------------------------
# Notifications.
# ---------------------------------------------------------------------------------------------


@hookspec
def feedback_notification_channels():
    """Return the channels this plugin can send messages through.

    :return: a list of objects with a ``name`` (``"email"``, ``"sms"``, or a new one) and a
        ``send(message)`` method that delivers a
        :class:`feedback.plugins.notify.models.OutboxMessage` or raises; the message's ``key``
        must travel with every try (a header, a Message-ID) so that a receiver that honours it
        delivers once.

    Called by the notification plugin when it sends a message; the first plugin to offer a name
    wins (plugins registered later are asked first), so a province can replace the SMS gateway.
    ``send`` runs in a background job: it may do slow I/O, and must not commit.
    """


# ---------------------------------------------------------------------------------------------
# Surveys.
# ---------------------------------------------------------------------------------------------


@hookspec
def feedback_question_types():
    """Return the question types this plugin gives to survey builders.

    :return: a list of :class:`feedback.surveys.types.QuestionType` objects (subclass it, or
        ``ChoiceType``/``TextType``): each has a ``name`` (stored in ``Question.type``), a
        ``label`` for the builder, says whether it is ``rated`` (counted in the satisfaction
        index) and whether it ``has_options``, and knows how to show its field (``render``),
        read an answer from a form (``parse_form``) or from JSON (``parse_json``), and what rows
        to store (``rows``).

    All implementations are called whenever the types are needed; the core gives the built-in
    ones (scale5, scale3, single, multiple, rating10, yes_no, short_text, long_text). A type of
    the same name from a plugin registered later replaces the earlier one. Must not touch the
    database.
    """


@hookspec
def feedback_survey_answered(response):
    """Someone answered a survey.

    :param response: the new :class:`feedback.surveys.models.Response`, flushed, with its
        ``answers``, ``unit``, ``version`` and, when given, ``procedure``, ``item`` and
        ``invitation``. Anonymous: it holds nothing that names the person.

    Called by :func:`feedback.surveys.services.submit_response` once per response (web, kiosk,
    invitation or API), inside its transaction, after flush. May add rows; must not commit nor do
    slow I/O (ask ``feedback.jobs`` for that).
    """
