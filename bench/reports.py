"""Benchmark: freezing a month of a province's answers, and the province's published month under load.

Usage: .venv/bin/python bench/reports.py [--backends sqlite,postgresql] [--postgres-url URL]
           [--units 300] [--answers 833000] [--duration 10] [--connections 8] [--workers CPUS]
           [--warm-up 3]

For each backend it migrates an empty database and writes a province of ``--units`` units (a
province, 30 departments, the rest communes, a few procedures each) and one month of answers to the
SIPAS-style template: ``--answers`` rated answers (10 million a year is about 833,000 a month), 15
to a response, plus a comment in one response out of twelve, written in bulk.

1. Freezing: ``freeze_month`` of that month (every unit alone and with its sub-units, per procedure
   and criterion), timed in-process, next to the yardstick of the same run: one bare
   ``SELECT count(*)`` of the month's answers (the least a database can do with them).
2. The published month under load: gunicorn serves the app, and wrk (Debian package ``wrk``) loads
   the province's page (GET /results/sipas?period=YYYY-MM, read from the snapshot: 300 units ranked,
   two charts) and the API (GET /api/v1/surveys/sipas/results?period=YYYY-MM), then the same two for
   the month that is not frozen yet (this month: its running figures). The same gunicorn serves the
   suite's ceiling (bench/ceiling.py, its 50-row list) for the yardstick. It prints requests per
   second, the 50th and 95th percentiles of latency, how many times the yardstick's time each target
   takes, and the load average of the machine before and after.

Without --postgres-url it starts a throwaway PostgreSQL cluster (the test suite's) and stops it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
HERE = Path(__file__).parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(HERE))

from suite import Gunicorn, Scenario, wrk  # noqa: E402 - the benchmark suite's gunicorn and wrk helpers

SECRET = "bench-secret"
PER_RESPONSE = 15  # rated questions shown unconditionally in the template
CHUNK = 20_000


def settings(url: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "LOAD_ENTRY_POINT_PLUGINS": False,
            "RATELIMIT_ENABLED": False}


def the_month() -> dt.date:
    """The month before this one: a month that has ended."""
    return (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def seed(url: str, units: int, answers: int) -> dict:
    """The province, its procedures, the published template, and ``answers`` rated answers in each of
    two months (the month that has ended, and this month), in bulk."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from feedback import create_app
    from feedback.extensions import db
    from feedback.procedures.models import Procedure
    from feedback.surveys.builder import create_from_template
    from feedback.surveys.models import SurveyAnswer, SurveyResponse
    from feedback.timeutil import LOCAL_TZ
    from feedback.units.models import Unit

    app = create_app(settings(url))
    rng = random.Random(2026)
    month = the_month()
    with app.app_context():
        upgrade()
        since = dt.date(2025, 7, 1)
        province = Unit(code="BT", name="Ủy ban nhân dân tỉnh Thử Tải", kind="province", valid_from=since)
        db.session.add(province)
        db.session.flush()
        departments = [Unit(code=f"BT.S{n:02d}", name=f"Sở số {n}", kind="department", parent_id=province.id,
                            valid_from=since) for n in range(1, 31)]
        db.session.add_all(departments)
        db.session.flush()
        communes = [Unit(code=f"BT.X{n:03d}", name=f"Ủy ban nhân dân xã số {n}", kind="commune",
                         parent_id=province.id, valid_from=since) for n in range(1, units - len(departments))]
        db.session.add_all(communes)
        db.session.flush()
        everyone = [province, *departments, *communes]
        procedures: dict[int, list[int]] = {}
        for index, unit in enumerate(everyone):
            for number in range(3):
                procedure = Procedure(code=f"9.{index:04d}.{number}", name=f"Thủ tục {index}.{number}",
                                      field="Thử tải", unit_id=unit.id, processing_days=5)
                db.session.add(procedure)
                db.session.flush()
                procedures.setdefault(unit.id, []).append(procedure.id)
        survey = create_from_template(publish_it=True)
        version = survey.published
        rated = [(q.id, frozenset(o.value for o in q.options if o.satisfied)) for q in version.ordered_questions()
                 if q.rated and q.required and not q.conditions]
        comment = next(q.id for q in version.ordered_questions() if q.type == "long_text")
        assert len(rated) == PER_RESPONSE, len(rated)
        db.session.commit()

        # Busier units get more answers: weights from 1 to 20.
        weights = [rng.randint(1, 20) for _unit in everyone]
        responses_wanted = answers // PER_RESPONSE
        response_table, answer_table = SurveyResponse.__table__, SurveyAnswer.__table__
        # The month that has ended, and this month (not frozen: its running figures) up to yesterday.
        this_month = dt.date.today().replace(day=1)
        for each, days in ((month, 26), (this_month, max(0, dt.date.today().day - 2))):
            start = dt.datetime.combine(each, dt.time(8), tzinfo=LOCAL_TZ)
            written = 0
            while written < responses_wanted:
                batch = min(CHUNK // PER_RESPONSE * 4, responses_wanted - written)
                chosen = rng.choices(everyone, weights=weights, k=batch)
                rows, plans = [], []
                for unit in chosen:
                    moment = start + dt.timedelta(days=rng.randint(0, days), minutes=rng.randint(0, 540))
                    procedure_id = rng.choice(procedures[unit.id]) if rng.random() < 0.5 else None
                    rows.append({"survey_id": survey.id, "version_id": version.id, "unit_id": unit.id,
                                 "procedure_id": procedure_id, "channel": "link", "locale": "vi",
                                 "submitted_at": moment, "month": each, "recorded_at": moment, "sender_hash": ""})
                    plans.append((unit.id, procedure_id, rng.uniform(0.6, 0.98)))
                ids = db.session.scalars(insert(response_table).returning(response_table.c.id,
                                                                          sort_by_parameter_order=True), rows).all()
                answer_rows = []
                for response_id, (unit_id, procedure_id, level) in zip(ids, plans):
                    common = {"response_id": response_id, "survey_id": survey.id, "unit_id": unit_id,
                              "procedure_id": procedure_id, "month": each, "text": None}
                    for question_id, satisfied in rated:
                        value = rng.choice((4, 5)) if rng.random() < level else rng.choice((1, 2, 3))
                        answer_rows.append({**common, "question_id": question_id, "value": value,
                                            "satisfied": value in satisfied})
                    if response_id % 12 == 0:
                        answer_rows.append({**common, "question_id": comment, "value": None, "satisfied": None,
                                            "text": "Cần thêm ghế chờ."})
                for offset in range(0, len(answer_rows), CHUNK):
                    db.session.execute(insert(answer_table), answer_rows[offset:offset + CHUNK])
                db.session.commit()
                written += batch
        db.session.remove()
        db.engine.dispose()
    return {"units": len(everyone), "responses": responses_wanted, "answers": responses_wanted * PER_RESPONSE,
            "month": month, "this_month": this_month}


def freeze(url: str, month: dt.date) -> dict:
    """Time the yardstick count and the freezing of ``month``."""
    from sqlalchemy import func, select

    from feedback import create_app
    from feedback.extensions import db
    from feedback.plugins.reports.models import ReportFigure
    from feedback.plugins.reports.snapshot import freeze_month
    from feedback.surveys.models import Survey, SurveyAnswer
    from feedback.timeutil import utcnow

    app = create_app(settings(url))
    with app.app_context():
        survey = db.session.scalar(select(Survey).where(Survey.code == "sipas"))
        began = time.perf_counter()
        counted = db.session.scalar(select(func.count()).select_from(SurveyAnswer).where(
            SurveyAnswer.survey_id == survey.id, SurveyAnswer.month == month))
        count_seconds = time.perf_counter() - began
        began = time.perf_counter()
        frozen = freeze_month(survey, month, utcnow())
        db.session.commit()
        freeze_seconds = time.perf_counter() - began
        rows = db.session.scalar(select(func.count(ReportFigure.id)).where(ReportFigure.month_id == frozen.id))
        running_seconds = None
        try:
            from feedback.plugins.reports.running import count_running
        except ImportError:
            count_running = None  # before the running figures existed: the live month is counted at each request
        if count_running is not None:
            began = time.perf_counter()
            count_running(survey, dt.date.today().replace(day=1), utcnow())
            db.session.commit()
            running_seconds = time.perf_counter() - began
        db.session.remove()
        db.engine.dispose()
    return {"count_seconds": count_seconds, "freeze_seconds": freeze_seconds, "rows": rows, "answers": counted,
            "running_seconds": running_seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--answers", type=int, default=833_000, help="rated answers in the month")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--warm-up", type=int, default=3,
                        help="seconds of load on each path before it is measured (0: none)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="feedback-bench-reports-"))
    cluster = None
    print(f"load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())} ({os.cpu_count()} cores)")
    try:
        from ceiling import create_table

        ceiling_url = f"sqlite:///{folder}/ceiling.db"
        create_table(ceiling_url)
        server = Gunicorn("ceiling:create_app()", {**os.environ, "CEILING_DATABASE_URL": ceiling_url,
                                                   "CEILING_SECRET_KEY": SECRET},
                          args.workers, 2, folder / "ceiling.log", cwd=HERE)
        try:
            server.ready("/list")
            yardstick = wrk(server.base, Scenario("yardstick", "/list", None, None), args, folder)
        finally:
            server.stop()
        print(f"yardstick (the ceiling's list of 50 rows, gunicorn {args.workers}x2 threads, wrk {args.connections} "
              f"connections, {args.duration} s): {yardstick['rps']:.0f} req/s, p95 {yardstick['p95']:.1f} ms")
        for backend in [name.strip() for name in args.backends.split(",") if name.strip()]:
            if backend == "sqlite":
                url = f"sqlite:///{folder}/reports.db"
            else:
                url = args.postgres_url
                if url is None:
                    from tests.helpers import ThrowawayPostgres

                    cluster = ThrowawayPostgres()
                    url = cluster.start()
            began = time.perf_counter()
            seeded = seed(url, args.units, args.answers)
            print(f"\n{backend}: {seeded['units']} units, {seeded['responses']:,} responses and "
                  f"{seeded['answers']:,} rated answers in each of {seeded['month']:%Y-%m} and "
                  f"{seeded['this_month']:%Y-%m} (written in {time.perf_counter() - began:.0f} s)")
            timed = freeze(url, seeded["month"])
            print(f"  freezing the month: {timed['freeze_seconds']:.2f} s ({timed['rows']:,} snapshot rows); "
                  f"yardstick SELECT count(*) of its {timed['answers']:,} answers: {timed['count_seconds']:.2f} s; "
                  f"{timed['freeze_seconds'] / max(timed['count_seconds'], 1e-6):.1f}x the yardstick's time")
            if timed["running_seconds"] is not None:
                print(f"  counting this month's running figures (the job tick runs): {timed['running_seconds']:.2f} s")
            env = {**os.environ, "FEEDBACK_SQLALCHEMY_DATABASE_URI": url, "FEEDBACK_SECRET_KEY": SECRET,
                   "FEEDBACK_RATELIMIT_ENABLED": "false"}
            server = Gunicorn("feedback:create_app()", env, args.workers, 2, folder / f"feedback-{backend}.log")
            try:
                server.ready("/results")
                for label, period in (("frozen", seeded["month"]), ("this month", seeded["this_month"])):
                    for name, path in (("province page GET /results/sipas", f"/results/sipas?period={period:%Y-%m}"),
                                       ("API GET .../results?period=",
                                        f"/api/v1/surveys/sipas/results?period={period:%Y-%m}")):
                        if label == "this month" and path.startswith("/results/"):
                            continue  # the public pages show frozen months only
                        if args.warm_up:
                            # A worker makes a frozen month's page once (the first requests after it
                            # starts wait for it); the warm-up is shown, not counted.
                            warm = wrk(server.base, Scenario(name, path, None, None),
                                       argparse.Namespace(duration=args.warm_up, connections=args.connections),
                                       folder)
                            print(line(f"  warm-up, {args.warm_up} s", warm, yardstick))
                        figures = wrk(server.base, Scenario(name, path, None, None), args, folder)
                        print(line(f"{name} ({label})", figures, yardstick))
            finally:
                server.stop()
        print(f"load average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def line(name: str, figures: dict, yardstick: dict) -> str:
    bad = int(figures["non2xx"] + figures["socket"])
    return (f"  {name:44} {figures['rps']:7.1f} req/s  p50 {figures['p50']:7.1f}  p95 {figures['p95']:7.1f} ms  "
            f"({figures['p95'] / max(yardstick['p95'], 1e-6):.1f}x the yardstick's p95; "
            f"{int(figures['requests'])} requests{f', {bad} FAILED' if bad else ''})")


if __name__ == "__main__":
    sys.exit(main())
