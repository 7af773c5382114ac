"""The memory of frozen months' figures and pages: one thread makes a value, the others wait for it."""

from __future__ import annotations

import threading
import time

import pytest

from feedback.plugins.reports.cache import Memo


def test_a_value_is_made_once_however_many_threads_ask_at_once():
    memo, calls = Memo(size=2), []

    def make():
        calls.append(threading.get_ident())
        time.sleep(0.2)
        return len(calls)

    got = []
    threads = [threading.Thread(target=lambda: got.append(memo.get("page", make))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(calls) == 1 and got == [1] * 6


def test_a_failure_is_not_kept_and_the_memory_is_bounded():
    memo = Memo(size=2)

    def fail():
        raise ValueError("the database went away")

    with pytest.raises(ValueError):
        memo.get("page", fail)
    assert memo.get("page", lambda: "made") == "made" and not memo.making
    for key in ("a", "b", "c"):
        memo.get(key, lambda key=key: key.upper())
    assert list(memo.entries) == ["b", "c"] and memo.get("a", lambda: "again") == "again"
