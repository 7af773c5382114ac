"""The app factory: settings from defaults, the environment and the caller; no import-time effects."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from feedback import create_app
from feedback.config import DEFAULTS
from tests.helpers import base_config

ROOT = Path(__file__).parent.parent


def test_mapping_overrides_defaults(database_url):
    app = create_app({**base_config(database_url), "PAGE_SIZE": 7})
    assert app.config["PAGE_SIZE"] == 7
    assert app.config["BABEL_DEFAULT_LOCALE"] == "vi"
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Ho_Chi_Minh"


def test_environment_overrides_defaults_and_mapping_wins(database_url, monkeypatch):
    monkeypatch.setenv("FEEDBACK_PAGE_SIZE", "25")
    monkeypatch.setenv("FEEDBACK_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("FEEDBACK_DISABLED_PLUGINS", '["x", "y"]')
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["PAGE_SIZE"] == 25
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["DISABLED_PLUGINS"] == ["x", "y"]
    assert create_app({**base_config(database_url), "PAGE_SIZE": 3}).config["PAGE_SIZE"] == 3


def test_secret_key_is_required_outside_debug_and_tests(database_url, monkeypatch):
    monkeypatch.delenv("FEEDBACK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="FEEDBACK_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", "from-the-environment")
    assert create_app({"SQLALCHEMY_DATABASE_URI": database_url}).config["SECRET_KEY"] == "from-the-environment"


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("FEEDBACK_SQLALCHEMY_DATABASE_URI", raising=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + os.path.join(app.instance_path, "feedback.db")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app, db):
    if db.engine.dialect.name != "sqlite":
        assert db.engine.dialect.name == "postgresql"
        return
    # A connection of its own (the test's transaction holds another): no BEGIN, only what the
    # app sets on every new connection.
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
    finally:
        raw.close()


def test_importing_the_package_has_no_side_effects(tmp_path):
    code = (
        "import sys, feedback, feedback.models, feedback.plugins, feedback.pluginmanager, feedback.hookspecs;"
        "from flask import current_app;"
        "assert not current_app, 'no app at import';"
        "print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONWARNINGS": "error"})
    assert result.stdout.strip() == "ok", result.stderr
    assert list(tmp_path.iterdir()) == []


def test_wsgi_module_exposes_an_app(monkeypatch, database_url):
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", "wsgi-secret")
    monkeypatch.setenv("FEEDBACK_SQLALCHEMY_DATABASE_URI", database_url)
    monkeypatch.syspath_prepend(str(ROOT))
    sys.modules.pop("wsgi", None)
    import wsgi

    assert wsgi.app.name == "feedback"
    assert wsgi.app.config["SECRET_KEY"] == "wsgi-secret"
    sys.modules.pop("wsgi", None)


def _settings_tables(readme: str) -> dict[str, set[str]]:
    """The README's settings tables: the core's, then one per plugin under a line naming it (`name`)."""
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    tables, owner = {"core": set()}, "core"
    for line in section.splitlines():
        named = re.match(r"\*\*.+\*\* \(`(\w+)`\)", line)
        if named:
            owner = named.group(1)
            tables[owner] = set()
        row = re.match(r"\| `FEEDBACK_([A-Z_]+)` \|", line)
        if row:
            tables[owner].add(row.group(1))
    return tables


def test_readme_lists_every_setting(app):
    from feedback.pluginmanager import BUILTIN_PLUGINS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in DEFAULTS:
        assert f"FEEDBACK_{name}" in readme, f"README does not list FEEDBACK_{name}"
    tables = _settings_tables(readme)
    assert tables["core"] == set(DEFAULTS)
    given = {impl.plugin_name: impl.function
             for impl in app.extensions["feedback.plugins"].hook.feedback_default_settings.get_hookimpls()}
    plugin_settings = set()
    for builtin in BUILTIN_PLUGINS:
        settings = given[builtin.name]()
        assert tables.get(builtin.name) == set(settings), f"README's table of {builtin.name} is not its settings"
        plugin_settings |= set(settings)
    documented = set(re.findall(r"`FEEDBACK_([A-Z_]+)`", readme))
    unknown = documented - set(DEFAULTS) - plugin_settings - {"TEST_BACKENDS", "TEST_POSTGRES_URL", "TEST_ARTIFACTS",
                                                                      "TEST_SCREENSHOTS"}
    assert not unknown, f"README lists unknown settings: {unknown}"
