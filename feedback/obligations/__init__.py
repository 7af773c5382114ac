"""Deadlines for anything: whatever must be done by a date is an obligation in working days.

An item's answer, and its routing by the reception desk while it waits for its unit (kinds
``"answer"`` and ``"routing"``); a dialogue's minutes and a commitment made at a dialogue. The core keeps the rows, counts the days
(:mod:`feedback.workdays`), finds what is due soon, due today or overdue in a few set-based
queries, and records lateness when an obligation ends; the capability that owns an obligation
decides who is told and what happens, through the hooks in :mod:`feedback.hookspecs`
(``feedback_obligation_types``, ``feedback_obligations_due``, ``feedback_obligations_recounted``).

The shape of the table (``obligations``), one row per holding:

- an **owner** (``owner_type``, ``owner_id``: ``"item"`` and the item's id) and a ``kind``
  (``"answer"``): what must be done, for what; owner types are registered by the capability
  that owns them, so that switching a capability off also stops its reminders;
- the **responsible unit** (``unit_id``) and the **assignee** (``assignee_id``);
- the **count**: ``start_at``, ``days`` (working days), ``due_at``, and ``basis``, how it was
  counted for people (rule and legal basis, the day counting started, the days off skipped);
- the **outcome**: ``status`` (``open``, ``met``, ``cancelled``, ``superseded``), ``ended_at``,
  and ``late``, written once when the row ends and never recomputed.

Each holding of an owner by a unit is its own row: a transfer ends the current row as
``superseded`` (with its lateness, if its deadline had already passed) and opens a row at the
receiving unit that points back to it (``previous_id``), with a new count or the same deadline,
as the deadline policy says. Lateness that already happened therefore stays in the superseded
row whatever the receiving unit's deadline is: counting it is a policy of the figures, not a
change of the schema. Extensions, recounts after a change of the calendar and transfers are also
written to ``obligation_changes`` (who, when, the due time before and after, whether it had
already passed). ``obligation_notices`` holds the reminders and escalations already signalled,
one per obligation, kind and due time (an extended deadline is a new one).
"""
