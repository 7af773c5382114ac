"""The authorization matrix (tests/security/matrix.py) played against the app: every route, every
kind of visitor, one item of one unit; and no route without a row."""

from __future__ import annotations

import pytest

from tests.security.matrix import MATRIX, OUTCOMES, ROLES, Row
from tests.security.scene import EMAIL, NAME, PHONE, Scene, build_scene



def _rules(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_row_and_every_row_a_route(app):
    rows = [(row.method, row.rule) for row in MATRIX]
    assert len(rows) == len(set(rows)), "a route has two rows in tests/security/matrix.py"
    missing = sorted(_rules(app) - set(rows))
    assert not missing, ("routes without a row in tests/security/matrix.py (say who may use them): "
                         + ", ".join(f"{m} {r}" for m, r in missing))
    stale = sorted(set(rows) - _rules(app))
    assert not stale, "rows of routes that do not exist: " + ", ".join(f"{m} {r}" for m, r in stale)
    for row in MATRIX:
        assert set(row.expect) == set(ROLES) and set(row.expect.values()) <= set(OUTCOMES), row.id


def outcome_of(response) -> str:
    status = response.status_code
    if status == 401 or (status in (301, 302, 303) and "/login" in response.headers.get("Location", "")):
        return "login"
    if status == 403:
        return "deny"
    if status == 404:
        return "absent"
    if status < 400 or status in (400, 409, 422):
        return "ok"
    return f"status {status}"


def play(app, scene: Scene, row: Row, role: str):
    """The answer to ``row``'s request made by ``role``, in a browser of its own."""
    browser = scene.browser(app, role)
    path = scene.path(app, row.rule)
    headers = scene.headers(path, role)
    kwargs = {}
    if row.json is not None:
        kwargs["json"] = row.json(scene, role) if callable(row.json) else row.json
    elif row.method != "GET":
        kwargs["data"] = row.data(scene, role) if callable(row.data) else (row.data or {})
    return browser.open(path, method=row.method, headers=headers, query_string=row.query, **kwargs)


def leaks(text: str, scene: Scene, row: Row, role: str) -> list[str]:
    found = []
    for kind, words in (("record", ("Quỳnhxoan bị giữ", "giữ hồ sơ Quỳnhxoan")),
                        ("contact", (NAME, PHONE, EMAIL)), ("key", (scene.access_key,))):
        if role not in getattr(row, kind) and any(word in text for word in words):
            found.append(kind)
    return found


@pytest.mark.parametrize("role", ROLES)
def test_the_matrix(app, client, people, savepoint, role):
    """Every row of the matrix, as ``role``: one scene, each request undone after it is answered."""
    scene = build_scene(app, client)
    wrong = []
    for row in MATRIX:
        with savepoint():
            response = play(app, scene, row, role)
            # A streamed download runs to its end here; images, PDFs and workbooks are read as text too.
            text = response.get_data().decode("utf-8", "replace")
            response.close()
        got = outcome_of(response)
        if got != row.expect[role]:
            wrong.append(f"{row.id}: expected {row.expect[role]}, got {got} ({response.status_code})")
        shown = leaks(text, scene, row, role)
        if shown:
            wrong.append(f"{row.id}: the answer shows the item's {', '.join(shown)}")
    assert not wrong, f"as {role}, {len(wrong)} of {len(MATRIX)} cells are wrong:\n  " + "\n  ".join(wrong)
