"""Every built-in plugin can be switched off: the main pages still answer, items are still filed
and answered, and the migration history still matches the models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedback.pluginmanager import BUILTIN_PLUGINS
from tests.helpers import PASSWORD, Auth

ROOT = Path(__file__).parent.parent
BUILTINS = [builtin.name for builtin in BUILTIN_PLUGINS]

# Pages anyone may open, and the plugin that serves each (None: the core).
PUBLIC_PAGES = [
    ("/", None), ("/units", None), ("/file", None), ("/track", None), ("/track/{code}", None),
    ("/kiosk?code={code}", None), ("/api/v1/items/{code}", None), ("/api/v1/openapi.json", None),
    ("/api/v1/units", None), ("/register", "register"), ("/register/items/{code}", "register"),
    ("/register/feed.atom", "register"), ("/dashboard", "register"), ("/dashboard/units/P.STP", "register"),
    ("/api/v1/register", "register"), ("/api/v1/stats/units", "accountability"),
    ("/dialogues", "dialogues"), ("/dialogues/overview", "dialogues"), ("/dialogues/overview.xlsx", "dialogues"),
    ("/api/v1/dialogues", "dialogues"), ("/results", "reports"), ("/scorecard/P.STP", "reports"),
]
# Pages for signed-in staff (here an administrator).
STAFF_PAGES = [
    ("/staff/items", None), ("/staff/items/{code}", None), ("/staff/items/new", None), ("/admin/", None),
    ("/admin/units", None), ("/admin/users", None), ("/admin/procedures", None), ("/admin/calendar", None),
    ("/staff/inbox", "accountability"), ("/admin/deadlines", "accountability"), ("/admin/messages", "notify"),
    ("/staff/register/{code}", "register"), ("/staff/dialogues/", "dialogues"), ("/staff/dialogues/new", "dialogues"),
]


@pytest.mark.parametrize("switched_off", BUILTINS)
def test_main_pages_answer_with_a_builtin_plugin_switched_off(make_app, staff, switched_off):
    app = make_app(DISABLED_PLUGINS=[switched_off])
    assert not app.extensions["feedback.plugins"].has_plugin(switched_off)
    client = app.test_client()

    filed = client.post("/api/v1/items", json={
        "kind": "complaint", "topic": "procedure", "unit": staff["dept"], "title": "Hồ sơ bị trễ hạn",
        "body": "Hồ sơ đăng ký hộ kinh doanh của tôi đã quá hạn giải quyết ba tuần."})
    assert filed.status_code == 201, filed.text
    code = filed.json["code"]
    assert filed.json["status"] == "assigned"

    def expect(path, owner):
        response = client.get(path.format(code=code))
        expected = 404 if owner == switched_off else 200
        assert response.status_code == expected, f"{path} answered {response.status_code} with {switched_off} off"

    for path, owner in PUBLIC_PAGES:
        expect(path, owner)

    Auth(client).login("head@example.vn", PASSWORD)
    answered = client.post(f"/staff/items/{code}/actions", data={
        "action": "respond", "body": "Sở đã giải quyết hồ sơ và trả kết quả cho ông ngày hôm nay."})
    assert answered.status_code == 302, answered.text
    assert client.get(f"/api/v1/items/{code}").json["status"] == "responded"
    Auth(client).logout()

    Auth(client).login()
    for path, owner in STAFF_PAGES:
        expect(path, owner)
    for path, owner in PUBLIC_PAGES:
        expect(path, owner)


@pytest.mark.parametrize("switched_off", BUILTINS)
def test_migrations_match_the_models_with_a_builtin_plugin_switched_off(database_url, real_commits, switched_off):
    """Alembic's autogenerate, in a fresh interpreter (so that nothing else imported the models); another
    process, so no test transaction may hold the database."""
    env = {**os.environ, "FEEDBACK_SECRET_KEY": "test-secret", "FEEDBACK_SQLALCHEMY_DATABASE_URI": database_url,
           "FEEDBACK_LOAD_ENTRY_POINT_PLUGINS": "false", "FEEDBACK_DISABLED_PLUGINS": f'["{switched_off}"]'}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "feedback", "db", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "No new upgrade operations detected" in result.stdout + result.stderr
