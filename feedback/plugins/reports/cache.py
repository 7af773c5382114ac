"""A small per-app memory of what frozen months give: a frozen snapshot never changes, so its
figures and the body of its pages are computed once per process (late answers, the one thing that
moves, are part of each key). Bounded; safe under threads."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
SIZE = 256


class Memo:
    def __init__(self, size: int = SIZE):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        value = make()
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value


def memo() -> Memo:
    return current_app.extensions.setdefault("reports.memo", Memo())


def remembered(key: Hashable, make: Callable[[], T]) -> T:
    """``make()``, or what it gave for ``key`` before in this process. A key names a frozen month by
    its id and the moment it was frozen (ids repeat across databases; moments do not)."""
    return memo().get(key, make)
