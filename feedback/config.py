"""The core's default settings; each can be overridden by a FEEDBACK_* environment variable or create_app(config)."""

import json
import os

# Every setting the core reads, with its default. Each plugin brings its own (the hook
# feedback_default_settings). The README lists them all; a test checks that it agrees.
DEFAULTS = {
    # Filled in by create_app with SQLite in the instance folder when left empty.
    "SQLALCHEMY_DATABASE_URI": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SECRET_KEY": None,  # nosec B105  # none: the operator sets it
    "REDIS_URL": None,
    # The web server (gunicorn, feedback/gunicorn_conf.py): worker processes (None: two per
    # core), threads in each, and seconds a worker may stay silent before it is replaced.
    "WEB_WORKERS": None,
    "WEB_THREADS": 4,
    "WEB_TIMEOUT": 60,
    # A database that says "try again" (SQLite locked, a PostgreSQL serialization failure): so many
    # more tries, then 503 with Retry-After of so many seconds.
    "DATABASE_RETRIES": 2,
    "SQLITE_BUSY_TIMEOUT": 10,
    "BUSY_RETRY_AFTER": 5,
    # How many reverse proxies (nginx...) stand in front of the app: their X-Forwarded-* headers
    # are trusted for the visitor's address, scheme and host. 0: none, headers ignored.
    "PROXY_COUNT": 0,
    # Uploaded files and generated PDFs: None keeps their bytes in the database; a folder
    # (shared by every machine) keeps them as files, the database keeping a reference.
    "STORAGE_FOLDER": None,
    "RATELIMIT_ENABLED": True,
    # None: Redis at REDIS_URL when it is set (shared by every process), else each process's memory.
    "RATELIMIT_STORAGE_URI": None,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_LOGIN": "10 per minute",
    # Failures counted in the database, whatever the address (feedback.throttle): wrong passwords
    # per account, wrong access keys or phone numbers per item.
    "RATELIMIT_LOGIN_ACCOUNT": "5 per 15 minutes",
    "RATELIMIT_ITEM_ACCESS": "10 per hour",
    # Days after an item is closed before its filer's personal data is removed by tick (0: never).
    "PERSONAL_DATA_RETENTION_DAYS": 730,
    "DISABLED_PLUGINS": [],
    "LOAD_ENTRY_POINT_PLUGINS": True,
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ["vi", "en"],
    # Five attachments of 10 MB each, and the form around them.
    "MAX_CONTENT_LENGTH": 52 * 1024 * 1024,
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    "ATTACHMENT_MAX_PIXELS": 25_000_000,
    "RATELIMIT_FILING": "10 per minute;200 per day",
    "RATELIMIT_LOOKUP": "60 per minute",
    # Answers to surveys per address (public links, invitations, the API without a token); an
    # enrolled survey kiosk is not limited by its address.
    "RATELIMIT_SURVEY": "10 per minute;100 per day",
    # The code of the survey the filer of an answered item is invited to answer; empty: none.
    "SURVEY_INVITATION_SURVEY": "sipas",
    # Days an invitation stays valid.
    "SURVEY_INVITATION_DAYS": 30,
    "API_TOKEN_LIFETIME_DAYS": 30,  # nosec B105  # a number of days
    # Werkzeug's method for password hashes; tests use a cheaper one.
    "PASSWORD_HASH_METHOD": "scrypt",  # nosec B105  # a method's name
    "PAGE_SIZE": 50,
    # Obligations (feedback.obligations, feedback.workdays): whatever must be done by a date is due
    # at the office's closing time, and is reminded this many working days before.
    "OFFICE_CLOSES_AT": "17:00",
    "REMINDER_WORKING_DAYS_BEFORE": 2,
    # The reception desk (Bộ phận Một cửa) that holds items waiting for routing: a unit code; empty:
    # the first public-administration service centre, else the province.
    "RECEPTION_DESK_UNIT": "",
    # Transfers to another unit: at most this many per item, each for one of these reasons.
    "TRANSFER_LIMIT": 2,
    "TRANSFER_REASONS": [
        {"code": "not_competent", "label": "Không thuộc thẩm quyền giải quyết của đơn vị",
         "legal_basis": "Nghị định 20/2008/NĐ-CP, sửa đổi bởi Nghị định 92/2017/NĐ-CP"},
        {"code": "procedure_of_other_unit", "label": "Thủ tục hành chính do đơn vị khác giải quyết",
         "legal_basis": "Nghị định 61/2018/NĐ-CP, sửa đổi bởi Nghị định 107/2021/NĐ-CP"},
        {"code": "wrong_routing", "label": "Bộ phận tiếp nhận chuyển nhầm đơn vị",
         "legal_basis": "Nghị định 61/2018/NĐ-CP, sửa đổi bởi Nghị định 107/2021/NĐ-CP"},
    ],
    # Background work (feedback.jobs): RQ when REDIS_URL is set.
    "JOB_TIMEOUT": 60,
    "JOB_RETRIES": 5,
    "JOB_RETRY_INTERVALS": [10, 30, 60, 300, 900],
    "TICK_INTERVAL_SECONDS": 300,
    # The site's address, for links in messages and documents (/t/CODE).
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    # Whom to tell of a vulnerability (an e-mail address or a URL): served as /.well-known/security.txt.
    "SECURITY_CONTACT": "",
    # Secure cookies: always when True; otherwise whenever the request came over HTTPS.
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
}

# Settings that flask-smorest reads; fixed, not meant to be changed by a deployment.
API_SETTINGS = {
    "API_TITLE": "Feedback API",
    "API_VERSION": "1.0.0",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def from_environment(name: str):
    """A setting as create_app reads it (FEEDBACK_<name>, parsed as JSON when it can be), for a
    process that builds no app: gunicorn's configuration."""
    raw = os.environ.get(f"FEEDBACK_{name}")
    if raw is None:
        return DEFAULTS.get(name)
    try:
        return json.loads(raw)
    except ValueError:
        return raw
