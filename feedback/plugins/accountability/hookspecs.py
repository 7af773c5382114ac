"""The accountability plugin's own hooks: what its periodic work announces (reminders,
escalations, letters of apology), for any other plugin to act on. The plugin asks for the messages
of each (feedback.messages) itself: a notification plugin needs none of these hooks.

Added to the plugin manager by ``feedback_add_hookspecs`` when the plugin is loaded; a plugin that
implements them marks its implementations ``@hookimpl(optionalhook=True)``, so that it still
loads when accountability is switched off. Called with keyword arguments only, each
implementation in its own savepoint, inside tick's transaction.
"""

from __future__ import annotations

from feedback.hookspecs import hookspec


@hookspec
def feedback_item_reminded(item, recipient, kind):
    """A reminder about an item's deadline is due to a member of staff.

    :param item: the open :class:`feedback.items.models.Item`.
    :param recipient: the :class:`feedback.auth.models.User` to remind.
    :param kind: ``"due_soon_assignee"`` (a few working days before) or ``"due_today_head"``
        (on the day the item is due).

    Called once per item, deadline and kind, by the accountability plugin's tick, after it asked
    for the reminder's e-mail. Must not do slow I/O.
    """


@hookspec
def feedback_item_escalated(item, unit, head):
    """An overdue item was escalated one level up the unit tree.

    :param item: the overdue :class:`feedback.items.models.Item`.
    :param unit: the :class:`feedback.units.models.Unit` it went up to: the parent of the unit that
        holds it first, then, while it stays unanswered ``ESCALATION_STEP_DAYS`` working days
        after each step, the next one up, to the top of the tree (the province's chair).
    :param head: that unit's head (:class:`feedback.auth.models.User`), or ``None``.

    Called once per item, missed deadline and level, after the plugin asked for the e-mail to the
    head. Must not do slow I/O.
    """


@hookspec
def feedback_apology_issued(item, letter):
    """A letter of apology was issued for a late item.

    :param item: the :class:`feedback.items.models.Item`.
    :param letter: the :class:`feedback.plugins.accountability.models.ApologyLetter`, whose
        ``pdf`` holds the signed letter.

    Called once per lateness, by the job that made the PDF after the tick that numbered the letter,
    once it asked for the letter's message to the filer (when there is a contact). Must not do
    slow I/O.
    """
