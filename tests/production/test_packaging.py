"""A wheel built from the repository carries its compiled catalogues and its migrations: installed
with pip alone into a fresh virtual environment, it upgrades a new database with `flask db upgrade`
and serves Vietnamese pages and API errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.helpers import ROOT, fetch, free_port, running

pytestmark = pytest.mark.slow


def vietnamese(english: str) -> str:
    with (ROOT / "feedback/translations/vi/LC_MESSAGES/messages.po").open("rb") as file:
        translation = read_po(file).get(english).string
    assert translation and translation != english
    return translation


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from the files a clean clone has (no compiled catalogue lying around)."""
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "feedback", source / "feedback",
                    ignore=shutil.ignore_patterns("*.mo", "__pycache__", "*.pyc"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "--wheel-dir", str(folder / "dist"), str(source)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    assert not list((source / "feedback").rglob("*.mo")), "the build compiles into the wheel, not the sources"
    (wheel,) = (folder / "dist").glob("feedback-*.whl")
    return wheel


def test_the_wheel_holds_compiled_catalogues_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "feedback/translations/vi/LC_MESSAGES/messages.mo" in names
    assert {"feedback/migrations/env.py", "feedback/migrations/alembic.ini", "feedback/migrations/script.py.mako"} <= names
    revisions = {path.name for path in (ROOT / "feedback/migrations/versions").glob("*.py")}
    assert revisions and {f"feedback/migrations/versions/{name}" for name in revisions} <= names
    assert "feedback/gunicorn_conf.py" in names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/entry_points.txt")))
    assert b"doctor = feedback.doctor:doctor_command" in entry_points


def test_installed_wheel_migrates_a_new_database_and_speaks_vietnamese(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                                "--no-index", str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    # The dependencies come from the test environment, offline: its site-packages on the path
    # (a .pth line adds the folder without running the editable checkout's own hooks).
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True, timeout=60).stdout.strip())
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    work = tmp_path / "site"  # not the checkout: nothing may be imported from it
    work.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FEEDBACK_", "PYTHON"))}
    env.update({"FEEDBACK_SECRET_KEY": "wheel-test-" + "x" * 32,
                "FEEDBACK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'feedback.db'}",
                "FEEDBACK_LOAD_ENTRY_POINT_PLUGINS": "false", "FEEDBACK_MAIL_OUTBOX_FOLDER": str(work / "mail")})
    where = subprocess.run([str(python), "-c", "import feedback; print(feedback.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    assert where.startswith(str(venv)), where

    upgrade = subprocess.run([str(python), "-m", "flask", "--app", "feedback", "db", "upgrade"], cwd=work, env=env,
                             capture_output=True, text=True, timeout=300)
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "Running upgrade" in upgrade.stderr
    assert (work / "feedback.db").stat().st_size > 0

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(python), "-m", "gunicorn", "--config", "python:feedback.gunicorn_conf", "--bind",
               f"127.0.0.1:{port}", "--workers", "1", "feedback:create_app()"]
    with running(command, tmp_path / "gunicorn.log", name="gunicorn of the installed wheel", cwd=work, env=env,
                 url=base + "/"):
        status, headers, body = fetch(base + "/")
        page = body.decode()
        assert status == 200
        assert '<html lang="vi">' in page
        assert vietnamese("Send feedback") in page and ">Send feedback<" not in page

        request = {"headers": {"Content-Type": "application/json"}, "data": json.dumps({}).encode(), "method": "POST"}
        status_en, _, body_en = fetch(base + "/api/v1/items", **{**request, "headers": {
            **request["headers"], "Accept-Language": "en"}})
        status_vi, _, body_vi = fetch(base + "/api/v1/items", **request)  # Vietnamese by default
        english, translated = json.loads(body_en)["error"], json.loads(body_vi)["error"]
    assert status_en == status_vi == 422
    assert english["message"] == "Some fields are not valid."
    assert translated["message"] == vietnamese(english["message"])
