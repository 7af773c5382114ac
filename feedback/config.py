"""Default settings; each can be overridden by a FEEDBACK_* environment variable or create_app(config)."""

# Every setting the application reads, with its default. The README lists them; a test checks
# that the README and this module agree.
DEFAULTS = {
    # Filled in by create_app with SQLite in the instance folder when left empty.
    "SQLALCHEMY_DATABASE_URI": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SECRET_KEY": None,
    "REDIS_URL": None,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_LOGIN": "10 per minute",
    "DISABLED_PLUGINS": [],
    "LOAD_ENTRY_POINT_PLUGINS": True,
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ["vi", "en"],
    # Five attachments of 10 MB each, and the form around them.
    "MAX_CONTENT_LENGTH": 52 * 1024 * 1024,
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    "RATELIMIT_FILING": "10 per minute;200 per day",
    "RATELIMIT_LOOKUP": "60 per minute",
    "API_TOKEN_LIFETIME_DAYS": 30,
    # Werkzeug's method for password hashes; tests use a cheaper one.
    "PASSWORD_HASH_METHOD": "scrypt",
    "PAGE_SIZE": 50,
    # Accountability: deadlines in working days, reminders, apology letters.
    "DEADLINE_DAYS": {"complaint": 10, "petition": 15},
    "DEADLINE_LEGAL_BASIS": "Quy chế tiếp nhận, xử lý phản ánh, kiến nghị của đơn vị",
    "OFFICE_CLOSES_AT": "17:00",
    "DEADLINE_ON_TRANSFER": "restart",
    "REMINDER_WORKING_DAYS_BEFORE": 2,
    "APOLOGY_NEW_APPOINTMENT_DAYS": 5,
    # Background work (feedback.jobs): RQ when REDIS_URL is set.
    "JOB_TIMEOUT": 60,
    "JOB_RETRIES": 5,
    "JOB_RETRY_INTERVALS": [10, 30, 60, 300, 900],
    "TICK_INTERVAL_SECONDS": 300,
    # Notifications: the address links in messages point to, e-mail (Flask-Mail's setting
    # names) and an SMS gateway over HTTP. Without MAIL_SERVER, mail goes to .eml files in
    # MAIL_OUTBOX_FOLDER; without SMS_GATEWAY_URL, SMS go to the log (phone numbers masked).
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "phananh@localhost",
    "MAIL_OUTBOX_FOLDER": None,
    "SMS_GATEWAY_URL": None,
    "SMS_GATEWAY_METHOD": "POST",
    "SMS_GATEWAY_AUTH": None,
    "SMS_GATEWAY_BODY": '{"to": {to}, "text": {text}, "reference": {key}}',
    "SMS_GATEWAY_TIMEOUT": 10,
    # A message being sent is left alone this long by other jobs; after OUTBOX_SWEEP_AFTER
    # seconds without being sent, tick hands it to a job again (same idempotency key).
    "OUTBOX_SEND_LEASE_SECONDS": 120,
    "OUTBOX_SWEEP_AFTER_SECONDS": 300,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    # Register: what an unsatisfied rating does ("reopen" the item, or "escalate" it to the parent unit).
    "REGISTER_UNSATISFIED": "reopen",
}

# Settings that flask-smorest reads; fixed, not meant to be changed by a deployment.
API_SETTINGS = {
    "API_TITLE": "Feedback API",
    "API_VERSION": "1.0.0",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}
