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
    staff and flushed. A plugin moves its own open records to the successor and keeps history
    tied to the old units, so that old statistics stay readable. Must not commit nor do slow I/O.
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
