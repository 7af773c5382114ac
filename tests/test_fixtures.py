"""The test fixtures themselves: one app per backend for the session, each test in a transaction
rolled back at its end (or, when it asks for ``real_commits``, really committed and emptied after),
and nothing of one test (rows, settings, plugins, the signed-in user, the language, ``g``) seen by
the next one.

The tests below run in this order; each checks that it starts clean, then leaves every trace it can,
so the next one checks that the fixtures wiped them: whatever runs before it, a test starts clean.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import create_engine, func, select

from feedback import hookimpl
from feedback.auth.models import User
from feedback.extensions import db as _db
from feedback.items.models import Item
from tests.helpers import ROOT, file_item, login

# Defaults (README's settings table) that the tests below change: a number, a list, a plugin's dict.
BUILT_WITH = {"PAGE_SIZE": 50, "JOB_RETRY_INTERVALS": [10, 30, 60, 300, 900],
              "DEADLINE_DAYS": {"complaint": 10, "petition": 15}}


class Leftover:
    """A plugin registered straight on the manager, without the register_plugin fixture."""

    @hookimpl
    def feedback_template_slot(self, name, context):
        return "left over" if name == "layout.footer" else None


def rows_in_every_table(app) -> dict:
    with app.app_context():
        return {table.name: count for table in _db.metadata.sorted_tables
                if (count := _db.session.scalar(select(func.count()).select_from(table)))}


def users_seen_by_another_connection(database_url) -> int:
    """Count users on a connection of its own, outside the test's transaction."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(User.__table__))
    finally:
        engine.dispose()


def assert_clean(app, client, make_app):
    assert not has_app_context()
    assert rows_in_every_table(app) == {}
    fresh = make_app()
    # Settings as an app is built with them, even those changed in place (the core's and a plugin's).
    for name, default in BUILT_WITH.items():
        assert app.config[name] == fresh.config[name] == default, name
    # The plugins an app is built with, no more.
    assert ({name for name, _ in app.extensions["feedback.plugins"].list_name_plugin()}
            == {name for name, _ in fresh.extensions["feedback.plugins"].list_name_plugin()})
    # Nobody signed in, Vietnamese, an empty g.
    with app.test_request_context("/"):
        assert current_user.is_anonymous
        assert str(get_locale()) == "vi"
        assert "left_over" not in g
    home = client.get("/")
    assert '<html lang="vi">' in home.text and "left over" not in home.text
    assert client.get("/staff/items").status_code == 302  # to the sign-in page
    # The shared app counts no requests: its limits are off (its storage is reset after each test anyway).
    assert not app.extensions["feedback.limiter"].enabled


def leave_traces(app, client, staff):
    code = file_item(client)["code"]
    with app.app_context():
        assert _db.session.scalar(select(Item.code)) == code
    login(client)
    assert client.get("/staff/items").status_code == 200
    assert '<html lang="en">' in client.get("/?lang=en").text
    app.config["PAGE_SIZE"] = 1
    app.config["JOB_RETRY_INTERVALS"].append(1)
    app.config["DEADLINE_DAYS"]["complaint"] = 99
    app.extensions["feedback.plugins"].register(Leftover(), name="left-over")
    assert "left over" in client.get("/").text
    with app.test_request_context("/?lang=en"):
        g.left_over = True
        assert str(get_locale()) == "en"


@pytest.mark.parametrize("turn", ["first", "second"])
def test_a_test_in_a_transaction_starts_clean_and_its_commits_stay_in_it(app, client, make_app, database_url, request,
                                                                         turn):
    assert_clean(app, client, make_app)
    staff = request.getfixturevalue("staff")
    # ``staff`` committed, as the code does: savepoints released, unseen outside the test's transaction.
    assert rows_in_every_table(app)["users"] == 3
    assert users_seen_by_another_connection(database_url) == 0
    with app.app_context():
        _db.session.execute(_db.update(User).values(name="Đổi tên"))
        _db.session.rollback()  # back to the last savepoint, not to the start of the test
        assert "Đổi tên" not in _db.session.scalars(select(User.name)).all()
    leave_traces(app, client, staff)


def test_the_transaction_test_before_left_nothing(app, client, make_app):
    assert_clean(app, client, make_app)


def test_real_commits_are_seen_by_other_connections(app, client, make_app, real_commits, database_url, request):
    assert_clean(app, client, make_app)
    with app.app_context():
        from feedback.auth.services import create_user

        create_user("real@example.vn", "a long password", "admin")
        _db.session.commit()
    assert users_seen_by_another_connection(database_url) == 1
    leave_traces(app, client, request.getfixturevalue("staff"))


def test_the_real_commits_before_were_emptied(app, client, make_app):
    assert_clean(app, client, make_app)


def test_the_app_is_built_once_per_backend(app, shared_apps, backend, make_app):
    assert app is shared_apps(backend)
    assert make_app() is not app


# --- helpers in tests/helpers.py, fixtures in conftest files ------------------------------------------


def foreign_conftest_imports(path: Path, source: str) -> list[str]:
    """The imports in ``path`` (a file under tests/) of a conftest module of another folder."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = path.parent.parents[node.level - 2] if node.level > 1 else path.parent
                target = base.joinpath(*(node.module or "").split("."))
            else:
                target = ROOT.joinpath(*(node.module or "").split("."))
            modules = [target] + [target / alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            modules = [ROOT.joinpath(*alias.name.split(".")) for alias in node.names]
        else:
            continue
        found.extend(f"{path.relative_to(ROOT)}:{node.lineno} imports {module.relative_to(ROOT)}"
                     for module in modules if module.name == "conftest" and module.parent != path.parent)
    return found


def test_no_test_imports_the_conftest_of_another_folder():
    tests = ROOT / "tests"
    files = sorted(tests.rglob("*.py"))
    assert len(files) > 40
    assert [line for path in files for line in foreign_conftest_imports(path, path.read_text(encoding="utf-8"))] == []


@pytest.mark.parametrize("source", [
    "from ..accountability.conftest import act\n",
    "from ...conftest import PASSWORD\n",
    "from tests.plugins.accountability.conftest import act\n",
    "from tests.items import conftest\n",
    "import tests.conftest\n",
])
def test_the_conftest_check_finds_an_import_from_another_folder(source):
    path = ROOT / "tests" / "plugins" / "register" / "test_example.py"
    assert len(foreign_conftest_imports(path, source)) == 1
    assert foreign_conftest_imports(path, "from .conftest import file\nfrom tests.helpers import act\n") == []
