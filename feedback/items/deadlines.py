"""What a deadline policy answers: the due time, the working days, and how it was counted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Deadline:
    due_at: dt.datetime
    days: int
    # Free text for people: the rule and its legal basis, the day counting started, the days off.
    explanation: dict = field(default_factory=dict)
