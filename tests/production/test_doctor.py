"""`flask doctor` against real components (PostgreSQL or SQLite, redis-server with a `flask worker`,
an aiosmtpd SMTP server, an HTTP SMS gateway), then with each of them broken on purpose: it names
what is wrong in plain words, in Vietnamese or English, and exits non-zero."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from redis import Redis
from rq import Worker
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from feedback import create_app
from tests.helpers import ROOT, Gateway, RedisServer, SmtpHandler, base_config, free_port, start_smtp_server, wait_until

pytestmark = pytest.mark.slow
SECRET = "a-long-enough-secret-key-for-the-doctor-0123456789"


@pytest.fixture(scope="module")
def components(tmp_path_factory, database_urls):
    """redis-server with one RQ worker, an SMTP server and an SMS gateway, for the whole module."""
    folder = tmp_path_factory.mktemp("doctor")
    redis = RedisServer(folder)
    redis.start()
    smtp = start_smtp_server(SmtpHandler())
    gateway = Gateway()
    gateway.thread.start()
    database = next(iter(database_urls.values()))
    env = {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": database, "FEEDBACK_SECRET_KEY": SECRET,
           "FEEDBACK_REDIS_URL": redis.url, "FEEDBACK_LOAD_ENTRY_POINT_PLUGINS": "false"}
    with (folder / "worker.log").open("w") as log:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "feedback", "worker", "--no-tick"], cwd=ROOT,
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        connection = Redis.from_url(redis.url)
        wait_until(lambda: Worker.all(connection=connection), what="the RQ worker to register",
                   log=folder / "worker.log")
        yield {"redis": redis, "smtp_port": smtp.port, "gateway": gateway.url, "folder": folder}
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        gateway.server.shutdown()
        gateway.server.server_close()
        smtp.stop()
        redis.stop()


def healthy(components, database: str) -> dict:
    return {
        "FEEDBACK_SQLALCHEMY_DATABASE_URI": database,
        "FEEDBACK_SECRET_KEY": SECRET,
        "FEEDBACK_PUBLIC_BASE_URL": "https://phananh.example.gov.vn",
        "FEEDBACK_REDIS_URL": components["redis"].url,
        "FEEDBACK_MAIL_SERVER": "127.0.0.1",
        "FEEDBACK_MAIL_PORT": str(components["smtp_port"]),
        "FEEDBACK_SMS_GATEWAY_URL": components["gateway"],
        "FEEDBACK_STORAGE_FOLDER": str(components["folder"] / "files"),
        "FEEDBACK_LOAD_ENTRY_POINT_PLUGINS": "false",
    }


def doctor(settings: dict, lang: str = "en", extra_env: dict | None = None) -> tuple[int, dict[str, tuple[str, str]], str]:
    """Run `flask doctor` as an operator would; (exit code, {topic: (status, message)}, output)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FEEDBACK_")}
    env.update(settings)
    env.update(extra_env or {})
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "feedback", "doctor", "--lang", lang], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    findings = {}
    for line in result.stdout.splitlines():
        if line.startswith("["):
            label, _, rest = line[1:].partition("] ")
            topic, _, message = rest.partition(": ")
            findings[topic] = (label.strip(), message)
    return result.returncode, findings, result.stdout + result.stderr


def problems(findings) -> dict[str, str]:
    return {topic: message for topic, (label, message) in findings.items() if label == "PROBLEM"}


def test_a_healthy_installation_has_nothing_to_fix(components, database_url, real_commits):
    code, findings, output = doctor(healthy(components, database_url))
    assert code == 0, output
    assert {label for label, _message in findings.values()} == {"ok"}, output
    assert {"Secret key", "Site address", "Database", "Migrations", "Redis", "E-mail (SMTP)", "SMS gateway",
            "File storage", "Fonts", "PDF documents", "Translations"} <= set(findings)
    assert "workers running: 1" in findings["Redis"][1]
    assert make_url(database_url).get_backend_name() in findings["Database"][1]
    assert output.rstrip().endswith("Nothing to fix.")


def test_the_report_speaks_vietnamese_by_default(components, database_url, real_commits):
    settings = {**healthy(components, database_url), "FEEDBACK_SECRET_KEY": "short"}
    code, findings, output = doctor(settings, lang="vi")
    with (ROOT / "feedback/translations/vi/LC_MESSAGES/messages.po").open("rb") as file:
        catalogue = read_po(file)
    assert code == 1
    topic = catalogue.get("Secret key").string
    assert findings[topic][0] == catalogue.get("PROBLEM").string
    assert findings[topic][1].startswith("FEEDBACK_SECRET_KEY quá ngắn (5 ")
    assert catalogue.get("Database").string in findings


BROKEN = {
    "secret key too short": ({"FEEDBACK_SECRET_KEY": "short"}, {}, "Secret key", "too short (5 characters)"),
    "site address": ({"FEEDBACK_PUBLIC_BASE_URL": "phananh.example.gov.vn"}, {}, "Site address", "not a web address"),
    "redis down": ({"FEEDBACK_REDIS_URL": "redis://127.0.0.1:{closed}/0"}, {}, "Redis", "Cannot reach Redis"),
    "smtp down": ({"FEEDBACK_MAIL_PORT": "{closed}"}, {}, "E-mail (SMTP)", "Cannot talk to the SMTP server"),
    "sms gateway down": ({"FEEDBACK_SMS_GATEWAY_URL": "http://127.0.0.1:{closed}/send"}, {}, "SMS gateway",
                         "Cannot reach the SMS gateway"),
    "storage folder": ({"FEEDBACK_STORAGE_FOLDER": "{file}/files"}, {}, "File storage", "cannot be written"),
    # Without any font, WeasyPrint crashes: the PDF check says so too.
    "fonts": ({}, {"FONTCONFIG_FILE": "{fontconfig}"}, "Fonts", "Liberation Serif is not installed"),
    "translations": ({"FEEDBACK_BABEL_TRANSLATION_DIRECTORIES": "{folder}"}, {}, "Translations", "not compiled"),
    "stale translations": ({"FEEDBACK_BABEL_TRANSLATION_DIRECTORIES": "{stale}"}, {}, "Translations",
                           "lack translations that their sources have"),
    "pango": ({}, {"LD_LIBRARY_PATH": "{fakelib}"}, "PDF documents", "WeasyPrint cannot make a PDF"),
    "app cannot start": ({"FEEDBACK_DISABLED_PLUGINS": '["core.units"]'}, {}, "Application", "cannot start"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_each_broken_part_is_named(case, components, database_urls, tmp_path):
    settings, extra_env, topic, words = BROKEN[case]
    fakelib = tmp_path / "lib"
    fakelib.mkdir()
    for name in ("libpango-1.0.so.0", "libpango-1.0.so"):  # not a library: loading it fails
        (fakelib / name).write_bytes(b"not a shared object")
    (tmp_path / "fonts.conf").write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n')
    (tmp_path / "a-file").write_text("")
    stale = tmp_path / "stale" / "vi" / "LC_MESSAGES"  # the sources of today, compiled from an empty catalogue
    stale.mkdir(parents=True)
    shutil.copy(ROOT / "feedback/translations/vi/LC_MESSAGES/messages.po", stale / "messages.po")
    with (stale / "messages.mo").open("wb") as file:
        write_mo(file, Catalog(locale="vi"))
    values = {"closed": free_port(), "file": tmp_path / "a-file", "fontconfig": tmp_path / "fonts.conf",
              "folder": tmp_path, "fakelib": fakelib, "stale": tmp_path / "stale"}
    fill = lambda mapping: {key: value.format(**values) for key, value in mapping.items()}  # noqa: E731
    database = next(iter(database_urls.values()))
    code, findings, output = doctor({**healthy(components, database), **fill(settings)}, extra_env=fill(extra_env))
    assert code == 1, output
    assert topic in problems(findings), output
    assert words in problems(findings)[topic], output
    also = {"fonts": {"PDF documents"}}.get(case, set())
    assert set(problems(findings)) == {topic, *also}, output
    assert f"{1 + len(also)} problem{'s' if also else ''} to fix." in output


def test_redis_without_a_worker_is_a_problem(tmp_path, database_urls, components):
    lonely = RedisServer(tmp_path)
    lonely.start()
    try:
        settings = {**healthy(components, next(iter(database_urls.values()))), "FEEDBACK_REDIS_URL": lonely.url}
        code, findings, output = doctor(settings)
    finally:
        lonely.stop()
    assert code == 1
    assert problems(findings) == {"Redis": f"Redis at {lonely.url} answers, but no worker is running: messages are "
                                           "not sent. Start flask worker."}, output


@pytest.fixture
def blank_database(database_url, tmp_path):
    """A database of the same kind as the test database, with no table."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = tmp_path / "blank.db"
        create_engine(f"sqlite:///{path}").connect().close()
        yield f"sqlite:///{path}"
        return
    name = f"blank_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_pending_migrations_are_named(components, blank_database):
    from flask_migrate import upgrade

    code, findings, output = doctor(healthy(components, blank_database))
    assert code == 1
    assert problems(findings) == {"Migrations": "The database is empty: run flask db upgrade."}, output

    app = create_app(base_config(blank_database))
    heads = set()
    with app.app_context():
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        heads = set(script.get_heads())
        previous = script.get_revision(next(iter(heads))).down_revision
        upgrade(revision=previous)
        from feedback.extensions import db

        db.engine.dispose()
    code, findings, output = doctor(healthy(components, blank_database))
    assert code == 1
    assert problems(findings)["Migrations"] == (f"The database is at {previous}, the code at {heads.pop()}: run "
                                                "flask db upgrade."), output


def test_an_unreachable_database_is_named(components, database_url, tmp_path):
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        broken, words = f"sqlite:///{tmp_path / 'missing.db'}", "does not exist: run flask db upgrade"
    else:
        broken, words = url.set(port=free_port()).render_as_string(hide_password=False), "Cannot connect to the database"
    code, findings, output = doctor(healthy(components, broken))
    assert code == 1
    assert list(problems(findings)) == ["Database"] and words in problems(findings)["Database"], output
    assert not (tmp_path / "missing.db").exists(), "the doctor creates nothing"


def test_passwords_in_addresses_are_not_printed(components, database_urls):
    settings = {**healthy(components, next(iter(database_urls.values()))),
                "FEEDBACK_REDIS_URL": f"redis://:s3cret-pass@127.0.0.1:{free_port()}/0"}
    code, _findings, output = doctor(settings)
    assert code == 1
    assert "s3cret-pass" not in output and "redis://:***@127.0.0.1" in output
