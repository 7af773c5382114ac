"""The one door to background work.

``enqueue("package.module.function", *ids)`` inside a transaction hands the job over only once
that transaction commits, and drops it if it rolls back (a savepoint's rollback drops the jobs
queued inside it). With ``REDIS_URL`` set the job goes to RQ, with retries and a timeout; without
it the job runs in this process at the end of the request (or at once outside a request), so the
embedded default needs no other process. Jobs take ids, never objects, and must be idempotent:
anything that must not be lost is written to the database first (an outbox row), and a periodic
sweep re-enqueues what a lost job left behind.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from feedback.extensions import db

log = logging.getLogger(__name__)

PENDING = "feedback.pending_jobs"
QUEUE_NAME = "feedback"


@dataclass
class PendingJob:
    path: str
    args: tuple
    job_id: str | None
    transaction: object  # the (nested) SessionTransaction it was queued in


def enqueue(path: str, *args, job_id: str | None = None) -> None:
    """Run the function at dotted ``path`` with ``args`` once the current transaction commits."""
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(PENDING, []).append(PendingJob(path, args, job_id, transaction))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Also fired when a savepoint is released: only the outermost commit hands jobs over.
    if session.in_nested_transaction():
        return
    jobs = session.info.pop(PENDING, [])
    if jobs:
        dispatch(jobs)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    jobs = session.info.get(PENDING)
    if not jobs:
        return
    if not previous_transaction.nested:
        session.info.pop(PENDING, None)
        return
    session.info[PENDING] = [job for job in jobs if not _within(job.transaction, previous_transaction)]


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def dispatch(jobs: list[PendingJob]) -> None:
    if not has_app_context():
        return
    if current_app.config.get("REDIS_URL"):
        for job in jobs:
            _to_redis(job)
    else:
        # The session cannot be used while it commits: the jobs run at the end of the request
        # (or of the app context: a command, a job), see run_pending.
        g.setdefault("feedback_inline_jobs", []).extend(jobs)


def _to_redis(job: PendingJob) -> None:
    from redis.exceptions import RedisError
    from rq import Retry

    config = current_app.config
    try:
        queue().enqueue_call(
            "feedback.jobs.run", args=(job.path, *job.args), job_id=job.job_id,
            timeout=config["JOB_TIMEOUT"], failure_ttl=7 * 24 * 3600,
            retry=Retry(max=config["JOB_RETRIES"], interval=config["JOB_RETRY_INTERVALS"]),
        )
    except RedisError:
        # The work is in the database (an outbox row): the periodic sweep hands it over later.
        log.warning("Redis unavailable: job %s left for the sweep", job.path)


def run_inline(job: PendingJob) -> None:
    try:
        call(job.path, *job.args)
    except Exception:
        db.session.rollback()
        log.exception("inline job %s failed; it is left for the sweep", job.path)


def call(path: str, *args):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)(*args)


def redis_connection():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=10)


def queue():
    from rq import Queue

    return Queue(QUEUE_NAME, connection=redis_connection())


# --- in the worker process ------------------------------------------------------------------

_worker_app: Flask | None = None


def run(path: str, *args):
    """What RQ runs: the job inside an app context of an app built once per worker process."""
    global _worker_app
    if has_app_context():
        return call(path, *args)
    if _worker_app is None:
        from feedback import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        try:
            return call(path, *args)
        finally:
            db.session.remove()


def run_pending() -> int:
    """Run the jobs queued inline so far (and those they queue), in order; returns how many."""
    done = 0
    for _round in range(1000):  # jobs may queue jobs; a bound, not a rule
        pending = g.pop("feedback_inline_jobs", [])
        if not pending:
            break
        for job in pending:
            run_inline(job)
            done += 1
    return done


def init_app(app: Flask) -> None:
    @app.teardown_request
    def run_jobs_after_request(_error):
        run_pending()

    # Registered after Flask-SQLAlchemy's, so it runs before the session is removed.
    @app.teardown_appcontext
    def run_jobs_at_the_end(_error):
        run_pending()


# --- the periodic tick, when RQ runs ---------------------------------------------------------

TICK_JOB_ID = "feedback-tick"


def enqueue_tick(queue) -> bool:
    """Queue a tick unless one is queued or running; one job id, however many workers ask."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        status = Job.fetch(TICK_JOB_ID, connection=queue.connection).get_status()
    except NoSuchJobError:
        status = None
    if status in (JobStatus.QUEUED, JobStatus.STARTED):
        return False
    queue.enqueue_call("feedback.jobs.run", args=("feedback.jobs.periodic_tick",), job_id=TICK_JOB_ID,
                       timeout=current_app.config["JOB_TIMEOUT"] * 10, result_ttl=60)
    return True


def periodic_tick() -> None:
    """Every plugin's feedback_tick (reminders, letters, the outbox sweep...)."""
    from feedback.pluginmanager import run_tick

    for name, summary in run_tick():
        log.info("tick %s: %s", name, summary)


def start_ticker(app: Flask, queue):
    """A thread of the worker's main process that queues a tick every TICK_INTERVAL_SECONDS.

    Not RQ's scheduler: its lock outlives a killed worker for minutes, and the tick is what
    recovers from such a crash.
    """
    import threading

    stop = threading.Event()

    def loop():
        with app.app_context():
            while True:
                try:
                    enqueue_tick(queue)
                except Exception:
                    log.exception("could not queue the tick")
                if stop.wait(app.config["TICK_INTERVAL_SECONDS"]):
                    return

    thread = threading.Thread(target=loop, name="feedback-ticker", daemon=True)
    thread.start()
    return stop
