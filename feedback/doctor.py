"""`flask doctor`: checks an installation and says in plain words what is wrong.

Registered as a Flask command through the ``flask.commands`` entry point rather than a plugin
hook, so that it still runs, and says why, when the application itself cannot start.
"""

from __future__ import annotations

import os
import shutil
import smtplib
import socket
import ssl
import subprocess  # nosec B404  # the doctor runs fc-list and this Python, with fixed arguments
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask
from flask.cli import ScriptInfo
from flask_babel import force_locale
from flask_babel import gettext as _

PACKAGE = Path(__file__).parent
OK, PROBLEM, NOTE = "ok", "problem", "note"
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
TIMEOUT = 5


@dataclass
class Finding:
    status: str  # OK, PROBLEM or NOTE (nothing to fix, but worth knowing)
    topic: str
    message: str


def hide_password(url: str) -> str:
    """The URL with its password, if any, replaced by stars (it is printed)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error) or error.__class__.__name__


# --- checks that need no application -------------------------------------------------------


def check_secret_key(config) -> Finding:
    topic = _("Secret key")
    key = config.get("SECRET_KEY")
    if not key:
        return Finding(PROBLEM, topic, _("FEEDBACK_SECRET_KEY is not set. Set it to a long random string, the same "
                                         "for every process of the site."))
    if key == "debug-only-secret-key" or len(key) < 32:
        return Finding(PROBLEM, topic, _("FEEDBACK_SECRET_KEY is too short (%(length)s characters): use at least 32 "
                                         "random characters.", length=len(key)))
    return Finding(OK, topic, _("set (%(length)s characters).", length=len(key)))


def check_base_url(config) -> Finding:
    topic = _("Site address")
    url = config.get("PUBLIC_BASE_URL") or ""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Finding(PROBLEM, topic, _("FEEDBACK_PUBLIC_BASE_URL (%(url)s) is not a web address such as "
                                         "https://phananh.example.gov.vn: links in messages would not work.", url=url))
    if parts.hostname in LOOPBACK:
        return Finding(NOTE, topic, _("%(url)s: links in messages open only on this machine. Set "
                                      "FEEDBACK_PUBLIC_BASE_URL to the site's public address.", url=url))
    if parts.scheme == "http":
        return Finding(NOTE, topic, _("%(url)s is not https: links in messages travel unencrypted.", url=url))
    return Finding(OK, topic, url)


def check_fonts() -> Finding:
    topic = _("Fonts")
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return Finding(PROBLEM, topic, _("fc-list is missing: install the Debian package fontconfig."))
    try:
        found = subprocess.run([fc_list, "Liberation Serif", "family"], capture_output=True, text=True,  # nosec B603
                               timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        return Finding(PROBLEM, topic, _("fc-list failed: %(reason)s", reason=reason(error)))
    if not found:
        return Finding(PROBLEM, topic, _("Liberation Serif is not installed: letters and minutes would be printed "
                                         "in another font. Install the Debian package fonts-liberation2."))
    return Finding(OK, topic, _("Liberation Serif is installed."))


PDF_PROBE = ("import sys\n"
             "from weasyprint import HTML\n"
             "pdf = HTML(string='<p style=\"font-family: Liberation Serif\">Th\u1ee7 tr\u01b0\u1edfng</p>').write_pdf()\n"
             "sys.stdout.write(pdf[:5].decode('ascii', 'replace'))\n")


def check_weasyprint() -> Finding:
    topic = _("PDF documents")
    # In a child process: without fonts or libraries, WeasyPrint may crash the process.
    try:
        result = subprocess.run([sys.executable, "-c", PDF_PROBE], capture_output=True, text=True,  # nosec B603
                                timeout=120)
    except (OSError, subprocess.SubprocessError) as error:
        return _pdf_problem(reason(error))
    if result.returncode < 0:
        return _pdf_problem(_("it crashed with signal %(signal)s", signal=-result.returncode))
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        return _pdf_problem(lines[-1] if lines else str(result.returncode))
    if result.stdout != "%PDF-":
        return Finding(PROBLEM, topic, _("WeasyPrint made something that is not a PDF."))
    return Finding(OK, topic, _("WeasyPrint makes PDFs."))


def _pdf_problem(why: str) -> Finding:
    return Finding(PROBLEM, _("PDF documents"), _("WeasyPrint cannot make a PDF (%(reason)s). Install the Debian "
                                                  "packages libpango-1.0-0, libpangoft2-1.0-0 and libharfbuzz-subset0, "
                                                  "and fonts-liberation2.", reason=why))


def translation_folders(config) -> list[Path]:
    folders = config.get("BABEL_TRANSLATION_DIRECTORIES") or "translations"
    return [PACKAGE / folder for folder in folders.split(";")]


def check_translations(config) -> Finding:
    topic = _("Translations")
    missing, stale = [], []
    for language in config.get("LANGUAGES") or ["vi", "en"]:
        if language == "en":  # the language the code is written in
            continue
        for folder in translation_folders(config):
            compiled = folder / language / "LC_MESSAGES" / "messages.mo"
            source = compiled.with_suffix(".po")
            if compiled.is_file():
                if source.is_file() and not _compiled_from(source, compiled):
                    stale.append(language)
                break
        else:
            missing.append(language)
    if missing:
        return Finding(PROBLEM, topic, _("The catalogues of %(languages)s are not compiled: pages would be in English. "
                                         "Reinstall the package, or run pybabel compile -d feedback/translations in "
                                         "a checkout.", languages=", ".join(missing)))
    if stale:
        return Finding(PROBLEM, topic, _("The compiled catalogues of %(languages)s lack translations that their "
                                         "sources have: run pybabel compile -d feedback/translations.",
                                         languages=", ".join(stale)))
    return Finding(OK, topic, _("compiled."))


def _compiled_from(source: Path, compiled: Path) -> bool:
    """Whether every translated message of the .po is in the .mo (dates say nothing once installed)."""
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    def ids(catalogue, translated_only):
        return {message.id if isinstance(message.id, str) else message.id[0] for message in catalogue
                if message.id and (message.string and not message.fuzzy or not translated_only)}

    with source.open("rb") as file:
        wanted = ids(read_po(file), translated_only=True)
    with compiled.open("rb") as file:
        return wanted <= ids(read_mo(file), translated_only=False)


def check_storage_folder(config) -> Finding:
    topic = _("File storage")
    folder = config.get("STORAGE_FOLDER")
    if not folder:
        return Finding(OK, topic, _("in the database."))
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as error:
        return Finding(PROBLEM, topic, _("The folder %(folder)s cannot be written (%(reason)s): uploads and letters "
                                         "would fail.", folder=folder, reason=reason(error)))
    return Finding(OK, topic, _("in the folder %(folder)s.", folder=folder))


def check_smtp(config) -> Finding:
    topic = _("E-mail (SMTP)")
    host = config.get("MAIL_SERVER")
    if not host:
        return Finding(NOTE, topic, _("FEEDBACK_MAIL_SERVER is not set: e-mails are written to files, not sent."))
    port = int(config.get("MAIL_PORT") or 25)
    where = f"{host}:{port}"
    try:
        if config.get("MAIL_USE_SSL"):
            server = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=TIMEOUT)
        try:
            server.ehlo()
            if config.get("MAIL_USE_TLS"):
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if config.get("MAIL_USERNAME"):
                server.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            code, _answer = server.noop()
        finally:
            try:
                server.quit()
            except (smtplib.SMTPException, OSError):
                server.close()
    except smtplib.SMTPAuthenticationError:
        return Finding(PROBLEM, topic, _("The SMTP server %(server)s refuses FEEDBACK_MAIL_USERNAME and "
                                         "FEEDBACK_MAIL_PASSWORD.", server=where))
    except (smtplib.SMTPException, OSError) as error:
        return Finding(PROBLEM, topic, _("Cannot talk to the SMTP server %(server)s (%(reason)s): e-mails wait in "
                                         "the outbox.", server=where, reason=reason(error)))
    if code != 250:
        return Finding(PROBLEM, topic, _("The SMTP server %(server)s answers %(code)s.", server=where, code=code))
    return Finding(OK, topic, _("the server %(server)s answers.", server=where))


def check_sms_gateway(config) -> Finding:
    topic = _("SMS gateway")
    url = config.get("SMS_GATEWAY_URL")
    if not url:
        return Finding(NOTE, topic, _("FEEDBACK_SMS_GATEWAY_URL is not set: SMS are written to the log, not sent."))
    parts = urllib.parse.urlsplit(url)
    shown = hide_password(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Finding(PROBLEM, topic, _("FEEDBACK_SMS_GATEWAY_URL (%(url)s) is not a web address.", url=shown))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        # Reaching the gateway is enough: a request would send a message.
        with socket.create_connection((parts.hostname, port), timeout=TIMEOUT) as sock:
            if parts.scheme == "https":
                with ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname):
                    pass
    except (OSError, ssl.SSLError) as error:
        return Finding(PROBLEM, topic, _("Cannot reach the SMS gateway %(url)s (%(reason)s): SMS wait in the outbox.",
                                         url=shown, reason=reason(error)))
    return Finding(OK, topic, _("%(url)s is reachable.", url=shown))


def redis_findings(config) -> list[Finding]:
    topic = _("Redis")
    url = config.get("REDIS_URL")
    findings = []
    if not url:
        findings.append(Finding(NOTE, topic, _("FEEDBACK_REDIS_URL is not set: background work runs inside the web "
                                               "process and rate limits are counted per process (the embedded "
                                               "default).")))
    else:
        findings.append(_check_redis(topic, url, workers=True))
    limits = config.get("RATELIMIT_STORAGE_URI")
    if limits and limits != url and limits.startswith(("redis://", "rediss://", "unix://")):
        findings.append(_check_redis(_("Rate limits"), limits, workers=False))
    return findings


def _check_redis(topic: str, url: str, workers: bool) -> Finding:
    from redis import Redis
    from redis.exceptions import RedisError

    shown = hide_password(url)
    try:
        connection = Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
        connection.ping()
        if workers:
            from rq import Worker

            count = len(Worker.all(connection=connection))
    except (RedisError, OSError, ValueError) as error:
        return Finding(PROBLEM, topic, _("Cannot reach Redis at %(url)s (%(reason)s). Start redis-server or correct "
                                         "the address.", url=shown, reason=reason(error)))
    if workers and count == 0:
        return Finding(PROBLEM, topic, _("Redis at %(url)s answers, but no worker is running: messages are not "
                                         "sent. Start flask worker.", url=shown))
    if workers:
        return Finding(OK, topic, _("%(url)s answers; workers running: %(count)s.", url=shown, count=count))
    return Finding(OK, topic, _("%(url)s answers.", url=shown))


# --- checks that need the application ------------------------------------------------------


def database_findings(app: Flask) -> list[Finding]:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from feedback.extensions import db

    topic = _("Database")
    url = db.engine.url
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not os.path.exists(url.database):
        return [Finding(PROBLEM, topic, _("The database file %(path)s does not exist: run flask db upgrade.",
                                          path=url.database))]
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            heads, current = _migration_heads(app, connection)
    except (SQLAlchemyError, OSError) as error:
        detail = getattr(error, "orig", None) or error
        return [Finding(PROBLEM, topic, _("Cannot connect to the database %(url)s (%(reason)s).", url=shown,
                                          reason=str(detail).strip().splitlines()[0]))]
    version = ".".join(str(part) for part in (db.engine.dialect.server_version_info or ()))
    findings = [Finding(OK, topic, f"{shown} ({db.engine.dialect.name} {version})".replace(" )", ")"))]
    migrations = _("Migrations")
    if not current:
        findings.append(Finding(PROBLEM, migrations, _("The database is empty: run flask db upgrade.")))
    elif current != heads:
        findings.append(Finding(PROBLEM, migrations, _("The database is at %(current)s, the code at %(heads)s: run "
                                                       "flask db upgrade.", current=", ".join(sorted(current)),
                                                       heads=", ".join(sorted(heads)))))
    else:
        findings.append(Finding(OK, migrations, _("up to date (%(heads)s).", heads=", ".join(sorted(heads)))))
    return findings


def _migration_heads(app: Flask, connection) -> tuple[set[str], set[str]]:
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    return heads, set(MigrationContext.configure(connection).get_current_heads())


# --- the command ---------------------------------------------------------------------------


def examine(app: Flask | None, config, failure: BaseException | None) -> list[Finding]:
    findings = []
    if failure is not None:
        findings.append(Finding(PROBLEM, _("Application"), _("The application cannot start: %(reason)s",
                                                             reason=str(failure) or failure.__class__.__name__)))
    findings += [check_secret_key(config), check_base_url(config)]
    if app is not None:
        findings += database_findings(app)
    findings += redis_findings(config)
    # The notification plugin's settings, unless it is switched off (then it has none).
    if "MAIL_SERVER" in config:
        findings.append(check_smtp(config))
    if "SMS_GATEWAY_URL" in config:
        findings.append(check_sms_gateway(config))
    findings += [check_storage_folder(config), check_fonts(), check_weasyprint(), check_translations(config)]
    return findings


def _settings_without_app() -> dict:
    """The core's defaults and every FEEDBACK_* variable (plugins' settings included)."""
    from feedback.config import DEFAULTS, from_environment

    names = set(DEFAULTS) | {key[len("FEEDBACK_"):] for key in os.environ if key.startswith("FEEDBACK_")}
    return {name: from_environment(name) for name in names}


def _translator_app(config) -> Flask:
    """A bare app whose only use is to speak the doctor's language when the real one cannot start."""
    from flask_babel import Babel

    bare = Flask("feedback.doctor", root_path=str(PACKAGE))
    bare.config["BABEL_TRANSLATION_DIRECTORIES"] = config.get("BABEL_TRANSLATION_DIRECTORIES") or "translations"
    Babel(bare)
    return bare


@click.command("doctor")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None,
              help="Language of the report (default: FEEDBACK_BABEL_DEFAULT_LOCALE).")
def doctor_command(lang):
    """Check the settings, the database, Redis, SMTP, the SMS gateway, fonts, PDFs and translations."""
    app, failure = None, None
    try:
        app = click.get_current_context().ensure_object(ScriptInfo).load_app()
        config = app.config
    except Exception as error:  # the point of the doctor: say why the app does not start
        failure = error
        config = _settings_without_app()
    host = app or _translator_app(config)
    with host.app_context(), force_locale(lang or config.get("BABEL_DEFAULT_LOCALE") or "vi"):
        findings = examine(app, config, failure)
        labels = {OK: _("ok"), PROBLEM: _("PROBLEM"), NOTE: _("note")}
        width = max(len(label) for label in labels.values())
        for finding in findings:
            click.echo(f"[{labels[finding.status]:^{width}}] {finding.topic}: {finding.message}")
        problems = sum(finding.status == PROBLEM for finding in findings)
        if problems:
            click.echo(_("1 problem to fix.") if problems == 1 else _("%(count)s problems to fix.", count=problems))
        else:
            click.echo(_("Nothing to fix."))
    if problems:
        raise SystemExit(1)
