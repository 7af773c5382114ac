"""Accountability: every item has a head of unit, a deadline in working days, and consequences.

Routing and delegation, deadlines with their legal basis, reminders, escalation to the parent
unit, apology letters for late items, and the on-time statistics of every unit.
"""
