"""Benchmark: rendering the minutes of a dialogue session with 40 questions to a PDF.

Usage: .venv/bin/python bench/dialogues_minutes.py [--questions 40] [--runs 7]
It builds a fresh SQLite database, plans, holds and freezes a session with the given number of
questions (and answers, and commitments) through the services, then renders its minutes through
the core's documents module several times. It prints the median and spread, the machine's load,
and two baselines measured in the same run: a minimal Flask app answering a request, and a
one-page state document through the same renderer. The target is a median under 2 seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT))

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
TARGET_SECONDS = 2.0


def timed(call, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def minimal_flask(runs: int) -> float:
    """The median time of one request to a Flask app that answers "ok" (the house's yardstick)."""
    from flask import Flask

    app = Flask("minimal")
    app.add_url_rule("/", "ok", lambda: "ok")
    client = app.test_client()
    return statistics.median(timed(lambda: client.get("/"), max(runs, 200)))


def build_session(questions: int):
    from feedback.auth.services import create_user
    from feedback.extensions import db
    from feedback.plugins.dialogues import services
    from feedback.units.services import create_unit

    province = create_unit("QN", "Ủy ban nhân dân tỉnh Quảng Ninh", "province", valid_from=dt.date(2008, 1, 1))
    unit = create_unit("QN.STP", "Sở Tư pháp tỉnh Quảng Ninh", "department", parent=province,
                       valid_from=dt.date(2008, 1, 1))
    head = create_user("giamdoc@bench.vn", "bench-password-long", "head", unit=unit, name="Lê Thị Hồng Nhung",
                       title="Giám đốc Sở")
    secretary = create_user("thuky@bench.vn", "bench-password-long", "officer", unit=unit, name="Phạm Thị Diệu Linh",
                            title="Chuyên viên")
    db.session.flush()
    day = dt.date(2027, 3, 10)
    session = services.plan_session(services.Plan(
        unit="QN.STP", day=day, start=dt.time(8), end=dt.time(11), place="Hội trường Sở Tư pháp, Hạ Long",
        secretary=str(secretary.id), fields=["Chứng thực", "Hộ tịch", "Lý lịch tư pháp"],
        invited=["Hiệp hội Doanh nghiệp tỉnh Quảng Ninh", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"]),
        head, now=dt.datetime(2027, 2, 22, 9, tzinfo=LOCAL))
    services.announce(session, head, now=dt.datetime(2027, 2, 22, 9, tzinfo=LOCAL))
    before = dt.datetime(2027, 3, 9, 15, tzinfo=LOCAL)
    for number in range(1, questions + 1):
        services.ask(session, title=f"Câu hỏi số {number}: thời hạn giải quyết hồ sơ chứng thực",
                     body=("Hồ sơ chứng thực bản sao của gia đình tôi nộp tại Bộ phận Một cửa đã quá hạn ghi trên "
                           "phiếu hẹn; đề nghị Sở cho biết nguyên nhân, trách nhiệm của cán bộ và thời gian trả kết "
                           "quả. ") * 2, now=before)
    during = dt.datetime(2027, 3, 10, 10, tzinfo=LOCAL)
    for question in session.questions:
        services.answer(question, ("Sở đã kiểm tra hồ sơ, xác định nguyên nhân do chờ xác minh và cam kết trả kết "
                                   "quả trong ngày làm việc tiếp theo; cán bộ liên quan đã được nhắc nhở. ") * 2,
                        head.name, head, now=during)
    services.record_attendance(session, services.AttendanceRecord(
        organisations=[("Hiệp hội Doanh nghiệp tỉnh Quảng Ninh", 5), ("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", 2)],
        citizens=31), head, now=during)
    for number in range(1, 6):
        services.add_commitment(session, text=f"Cam kết số {number}: rút ngắn thời gian giải quyết hồ sơ chứng thực.",
                                unit="QN.STP", days=10 * number, actor=head, now=during)
    minutes = services.mark_held(session, dt.time(11, 30), head, now=dt.datetime(2027, 3, 10, 12, tzinfo=LOCAL))
    services.save_minutes(minutes, summary="Hội nghị đã trao đổi về thủ tục hành chính.\n\nCác ý kiến đã được trả "
                          "lời trực tiếp.", actor=head, now=dt.datetime(2027, 3, 11, 9, tzinfo=LOCAL))
    services.submit_minutes(minutes, head, now=dt.datetime(2027, 3, 11, 10, tzinfo=LOCAL))
    db.session.commit()
    return minutes.content


ONE_PAGE = """{% extends "documents/layout.html" %}{% import "documents/state.html" as state %}
{% block document %}{{ state.header("Sở Tư pháp", parent="Ủy ban nhân dân tỉnh Quảng Ninh", number="01/BB-STP",
 place="Quảng Ninh", day=day) }}{{ state.title("Biên bản") }}<p>Một trang.</p>{% endblock %}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from flask import render_template_string
    from flask_migrate import upgrade
    from pypdf import PdfReader

    from feedback import create_app, documents
    from feedback.plugins.dialogues.minutes import render

    folder = tempfile.mkdtemp(prefix="feedback-bench-")
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                      "LOAD_ENTRY_POINT_PLUGINS": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        content = build_session(args.questions)
        render(content)  # warm up: WeasyPrint's import and fonts
        pdf = render(content)
        pages = len(PdfReader(__import__("io").BytesIO(pdf)).pages)
        load_before = os.getloadavg()
        times = timed(lambda: render(content), args.runs)
        load_after = os.getloadavg()
        one_page = timed(lambda: documents.html_to_pdf(render_template_string(ONE_PAGE, day=dt.date(2027, 3, 10))),
                         args.runs)
    flask_request = minimal_flask(args.runs)
    median = statistics.median(times)
    print(f"minutes of {args.questions} questions: {pages} pages, {len(pdf):,} bytes")
    print(f"render times (s): {', '.join(f'{t:.3f}' for t in times)}")
    print(f"median {median:.3f} s, min {min(times):.3f} s, max {max(times):.3f} s over {args.runs} runs")
    print(f"one-page state document: median {statistics.median(one_page):.3f} s "
          f"(the minutes take {median / statistics.median(one_page):.1f}x)")
    print(f"minimal Flask request: median {flask_request * 1000:.3f} ms "
          f"(the minutes take {median / flask_request:,.0f}x)")
    print(f"load average (1, 5, 15 min) before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; {os.cpu_count()} cores")
    verdict = "PASS" if median < TARGET_SECONDS else "FAIL"
    print(f"{verdict}: median {median:.3f} s against the target of {TARGET_SECONDS:.0f} s")
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
