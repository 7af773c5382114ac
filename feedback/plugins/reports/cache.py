"""A small per-app memory of what frozen months give: a frozen snapshot never changes, so its
figures and the body of its pages are computed once per process (late answers, the one thing that
moves, are part of each key). Bounded; safe under threads: a value is made by one thread at a time,
the others asking for the same key wait for it rather than make it again (a worker that starts
under load makes the province's page once, not once per thread)."""

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
        self.making: dict = {}  # key → the lock of the thread making its value

    def _found(self, key: Hashable):
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return True, self.entries[key]
            return False, self.making.setdefault(key, threading.Lock())

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        found, value = self._found(key)
        if found:
            return value
        with value:  # one maker per key; the others wait here, then find its value
            found, made = self._found(key)
            if found:
                return made
            try:
                made = make()
                with self.lock:
                    self.entries[key] = made
                    while len(self.entries) > self.size:
                        self.entries.popitem(last=False)
            finally:
                with self.lock:
                    self.making.pop(key, None)
        return made


def memo() -> Memo:
    return current_app.extensions.setdefault("reports.memo", Memo())


def remembered(key: Hashable, make: Callable[[], T]) -> T:
    """``make()``, or what it gave for ``key`` before in this process. A key names a frozen month by
    its id and the moment it was frozen (ids repeat across databases; moments do not)."""
    return memo().get(key, make)
