"""Demo dialogues of the demo province: sessions held with published minutes (their PDFs made by the
job), a coming session with questions, and commitments both done and overdue.

Everything goes through the services, replayed at the moments it would have happened (``now``),
so that the demo obeys the same rules (notice, deadlines, workflow) as real use.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from feedback.auth.models import User
from feedback.extensions import db
from feedback.plugins.dialogues import services
from feedback.plugins.dialogues.models import DialogueSession
from feedback.timeutil import LOCAL_TZ, add_months, utcnow
from feedback.units.models import Unit
from feedback.workdays import Calendar

QUESTIONS = [
    ("Thời gian cấp Phiếu lý lịch tư pháp", "Tôi nộp hồ sơ cấp Phiếu lý lịch tư pháp trực tuyến nhưng phải chờ 15 ngày, "
     "dài hơn thời hạn 10 ngày. Đề nghị Sở cho biết nguyên nhân và giải pháp rút ngắn thời gian."),
    ("Nhận kết quả qua bưu chính", "Người cao tuổi ở xa trung tâm có được nhận kết quả qua bưu chính công ích miễn phí "
     "không? Số điện thoại của tôi là 0912 345 678, mong được gọi lại."),
    ("Hồ sơ liên thông khai sinh, thường trú, bảo hiểm y tế", "Hồ sơ liên thông của gia đình tôi bị trả lại hai lần vì "
     "sai thông tin giữa các cơ quan. Đề nghị có một đầu mối chịu trách nhiệm cho cả quy trình."),
]
ANSWERS = [
    "Sở đã rà soát và xác định nguyên nhân do chờ xác minh tại cơ quan công an; từ tháng tới, Sở phối hợp tra cứu qua "
    "Cơ sở dữ liệu quốc gia về dân cư để bảo đảm đúng thời hạn 10 ngày.",
    "Người từ 70 tuổi trở lên được đăng ký nhận kết quả qua bưu chính công ích; Sở đề xuất Ủy ban nhân dân tỉnh hỗ trợ "
    "toàn bộ cước phí.",
    "Bộ phận Một cửa là đầu mối duy nhất tiếp nhận và trả kết quả hồ sơ liên thông; cán bộ tiếp nhận chịu trách nhiệm "
    "theo dõi đến khi hoàn thành.",
]


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)


def _working_day_before(day: dt.date, days: int, calendar: Calendar) -> dt.date:
    """The working day ``days`` working days before ``day``."""
    current, count = day, 0
    while count < days:
        current -= dt.timedelta(days=1)
        count += calendar.is_working_day(current)
    return current


def _working_day_near(day: dt.date, calendar: Calendar) -> dt.date:
    found, _skipped = calendar.first_working_day_from(day)
    return found


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _held_session(unit: Unit, secretary: User | None, day: dt.date, *, published_after_days: int, questions,
                  commitments, calendar: Calendar) -> DialogueSession:
    """Plan, announce, take questions, hold, and publish the minutes of a session on ``day``."""
    head = unit.head
    planned_at = _local(_working_day_before(day, 12, calendar), 9)
    plan = services.Plan(unit=unit.code, day=day, start=dt.time(8, 0), end=dt.time(11, 0),
                         place=f"Hội trường {unit.name}", secretary=str(secretary.id) if secretary else "",
                         invited=["Hiệp hội Doanh nghiệp tỉnh Quảng Ninh", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
                                  "Đại diện các tổ dân phố"])
    session = services.plan_session(plan, head, now=planned_at)
    services.suggest_agenda(session, head, now=planned_at)
    for entry in [e for e in session.agenda if e.status == "suggested"][:2]:
        services.decide_agenda(session, entry.id, True, head, now=planned_at)
    services.announce(session, head, now=planned_at)
    asked = _local(_working_day_before(day, 3, calendar), 14)
    for number, (title, body) in enumerate(questions):
        services.ask(session, title=title, body=body, name="Nguyễn Văn Hòa" if number == 1 else "",
                     phone="0912345678" if number == 1 else "", consent=number == 1, now=asked)
    services.publish_questions(session, head, now=asked + dt.timedelta(hours=2))
    during = _local(day, 10)
    for question, text in zip(session.questions, ANSWERS):
        services.answer(question, text, head.name, head, now=during)
    services.record_attendance(session, services.AttendanceRecord(
        organisations=[("Hiệp hội Doanh nghiệp tỉnh Quảng Ninh", 4), ("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", 2)],
        persons=["Trần Thị Lụa"], persons_consent=True, citizens=23), head, now=during)
    made = []
    for text, unit_code, days in commitments:
        made.append(services.add_commitment(session, text=text, unit=unit_code, days=days, actor=head, now=during))
    minutes = services.mark_held(session, dt.time(11, 15), head, now=_local(day, 11, 30))
    summary = ("Hội nghị đã nghe lãnh đạo đơn vị báo cáo tình hình giải quyết thủ tục hành chính sáu tháng qua.\n\n"
               "Người dân, doanh nghiệp nêu các câu hỏi về thời gian giải quyết, trả kết quả qua bưu chính và hồ sơ "
               "liên thông; lãnh đạo đơn vị đã trả lời trực tiếp và nêu các nội dung cam kết dưới đây.")
    after = calendar.add_working_days(day, published_after_days)[0]
    services.save_minutes(minutes, summary=summary, actor=head, now=_local(after, 9))
    services.submit_minutes(minutes, head, now=_local(after, 10))
    services.approve_minutes(minutes, head, now=_local(after, 15))
    return session, made


def load_demo_dialogues(province: Unit) -> str:
    """Once: nothing is done when the demo already has sessions."""
    if db.session.scalar(select(DialogueSession.id).limit(1)) is not None:
        return "dialogues already loaded"
    units = {unit.code: unit for unit in db.session.scalars(select(Unit).where(Unit.code.in_(
        ("QN.STP", "QN.PH.HALONG", "QN.SNNMT"))))}
    if len(units) < 3 or any(unit.head is None for unit in units.values()):
        return "demo units missing"
    calendar = Calendar.load()
    now = utcnow()
    today = now.astimezone(LOCAL_TZ).date()

    # Held two months ago, minutes published on time; one commitment done on time, one overdue.
    justice_day = _working_day_near(add_months(today, -2), calendar)
    justice, made = _held_session(
        units["QN.STP"], _user("chuyenvien.stp@demo.gov.vn"), justice_day, published_after_days=5,
        questions=QUESTIONS, calendar=calendar, commitments=[
            ("Tra cứu thông tin qua Cơ sở dữ liệu quốc gia về dân cư để cấp Phiếu lý lịch tư pháp đúng hạn.",
             "QN.STP", 10),
            ("Trình Ủy ban nhân dân tỉnh chính sách hỗ trợ cước bưu chính cho người từ 70 tuổi.", "QN.STP", 20),
        ])
    services.complete_commitment(made[0], "Đã kết nối tra cứu Cơ sở dữ liệu quốc gia về dân cư từ ngày 01 của "
                                 "tháng; thời gian cấp phiếu trung bình còn 6 ngày làm việc.", [], units["QN.STP"].head,
                                 now=min(made[0].due_at - dt.timedelta(days=1), now))

    # Held five months ago, minutes published late; its commitment done late.
    ward_day = _working_day_near(add_months(today, -5), calendar)
    ward, made = _held_session(
        units["QN.PH.HALONG"], _user("tiepnhan.halong@demo.gov.vn"), ward_day, published_after_days=14,
        questions=QUESTIONS[2:], calendar=calendar, commitments=[
            ("Bố trí một cán bộ đầu mối theo dõi hồ sơ liên thông đến khi trả kết quả.", "QN.PH.HALONG", 5)])
    services.complete_commitment(made[0], "Đã phân công cán bộ đầu mối tại Bộ phận Một cửa.", [],
                                 units["QN.PH.HALONG"].head, now=made[0].due_at + dt.timedelta(days=3))

    # Coming: announced, with questions published.
    environment = units["QN.SNNMT"]
    coming_day = calendar.add_working_days(today, services.notice_days() + 3)[0]
    plan = services.Plan(unit=environment.code, day=coming_day, start=dt.time(14, 0), end=dt.time(16, 30),
                         place="Hội trường tầng 2, Sở Nông nghiệp và Môi trường, Hạ Long",
                         online_link="https://hop.quangninh.gov.vn/doi-thoai-snnmt",
                         secretary=str(_user("chuyenvien.snnmt@demo.gov.vn").id),
                         fields=["Tài nguyên nước", "Môi trường"], invited=["Hiệp hội Doanh nghiệp tỉnh Quảng Ninh"])
    coming = services.plan_session(plan, environment.head, now=now)
    services.announce(coming, environment.head, now=now)
    services.ask(coming, title="Thời hạn thẩm định báo cáo đánh giá tác động môi trường",
                 body="Doanh nghiệp chúng tôi chờ thẩm định báo cáo đánh giá tác động môi trường quá 25 ngày. Sở có "
                      "thể công khai tiến độ từng hồ sơ không?", now=now)
    services.ask(coming, title="Giấy phép khai thác nước mặt", body="Đề nghị hướng dẫn hồ sơ gia hạn giấy phép khai "
                 "thác nước mặt cho hợp tác xã nuôi trồng thủy sản, liên hệ qua email hoptacxa@example.vn.", now=now)
    services.publish_questions(coming, environment.head, now=now)
    db.session.flush()
    return f"dialogues: {justice.id}, {ward.id} held, {coming.id} coming"
