"""The dialogues plugin's own hooks: what happens to a session, for a notification plugin, the
reports or any other to act on.

Added to the plugin manager by ``feedback_add_hookspecs`` when the plugin is loaded; a plugin that
implements them marks its implementations ``@hookimpl(optionalhook=True)``, so that it still
loads when dialogues is switched off. Called with keyword arguments only, each implementation in
its own savepoint, inside the transaction of the change.
"""

from __future__ import annotations

from feedback.hookspecs import hookspec


@hookspec
def feedback_dialogue_changed(session, change):
    """A session was announced, moved or cancelled.

    :param session: the :class:`feedback.plugins.dialogues.models.DialogueSession`, already changed
        (a moved or cancelled session has its new ``sequence``).
    :param change: ``"announced"``, ``"moved"`` or ``"cancelled"``.

    Called by the dialogues' services after flush. The dialogues plugin itself tells those who
    registered (an updated or cancelled calendar event). Must not commit nor do slow I/O.
    """


@hookspec
def feedback_dialogue_held(session):
    """A session took place: its minutes are now due.

    :param session: the held :class:`feedback.plugins.dialogues.models.DialogueSession`, with its
        closing time (``ends_at``) and its first draft of the minutes.

    Called once per session by :func:`feedback.plugins.dialogues.services.mark_held` after flush.
    Must not commit nor do slow I/O.
    """
