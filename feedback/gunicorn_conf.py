"""gunicorn's configuration, the same for the embedded default (scripts/serve) and production.

    gunicorn --config python:feedback.gunicorn_conf --bind 127.0.0.1:8000 'feedback:create_app()'

Workers, threads and the time-out come from the FEEDBACK_WEB_* settings (README); anything given
on gunicorn's command line wins over this file.
"""

import os

from feedback.config import from_environment


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


bind = ["127.0.0.1:8000"]
# Threads let a worker wait on the database or a slow client without holding the others up;
# processes use the cores (Python runs one thread at a time per process).
worker_class = "gthread"
workers = int(from_environment("WEB_WORKERS") or 2 * _cores())
threads = int(from_environment("WEB_THREADS"))
timeout = int(from_environment("WEB_TIMEOUT"))
# On SIGTERM or SIGHUP a worker finishes the requests it holds (this long at most) before it exits.
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (memory that a long life accumulates goes with it).
max_requests = 5000
max_requests_jitter = 500
# Not preloaded: each worker imports the app itself, so `kill -HUP` (systemctl reload) starts
# workers on the new code after an upgrade while the old ones finish their requests.
preload_app = False
# The heartbeat file in memory, not on a disk that may stall under load.
# gunicorn's heartbeat files, in memory.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # nosec B108
proc_name = "feedback"

accesslog = "-"
errorlog = "-"
# The path without its query string (%(U)s): searches and look-ups may carry names, phone
# numbers or access keys there. No referrer either, for the same reason.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
# No control socket: its default path is shared by every gunicorn of the user.
control_socket_disable = True
