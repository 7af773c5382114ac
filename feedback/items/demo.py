"""Demo items: a month of complaints and petitions in every state, filed through the services."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from feedback.auth.models import User
from feedback.extensions import db
from feedback.items.models import Item
from feedback.items.services import Filing, file_item, transition
from feedback.procedures.models import Procedure
from feedback.timeutil import utcnow
from feedback.units.models import Unit

# (kind, topic, title, body)
STORIES = [
    ("complaint", "procedure", "Hồ sơ khai sinh trễ hẹn", "Tôi nộp hồ sơ đăng ký khai sinh cho con tại bộ phận một cửa, "
     "phiếu hẹn ghi trả kết quả trong ngày nhưng đã ba ngày chưa nhận được. Đề nghị kiểm tra và trả kết quả sớm."),
    ("complaint", "conduct", "Cán bộ tiếp nhận yêu cầu nộp thêm giấy tờ không có trong quy định",
     "Khi nộp hồ sơ chứng thực, cán bộ yêu cầu tôi nộp thêm bản sao sổ hộ khẩu, trong khi thủ tục không yêu cầu."),
    ("petition", "procedure", "Đề nghị cho phép nộp hồ sơ cấp phiếu lý lịch tư pháp qua ứng dụng",
     "Đề nghị Sở cho phép nộp hồ sơ và nhận kết quả phiếu lý lịch tư pháp hoàn toàn trực tuyến, qua VNeID."),
    ("complaint", "procedure", "Giấy phép xây dựng chậm hơn thời hạn", "Hồ sơ cấp giấy phép xây dựng nhà ở riêng lẻ "
     "của gia đình tôi đã quá hạn 5 ngày làm việc mà chưa có thông báo lý do."),
    ("petition", "regulation", "Rút ngắn thời gian đăng ký biến động đất đai", "Thời gian giải quyết 10 ngày là quá dài "
     "với trường hợp đơn giản như đổi tên chủ sử dụng do thừa kế; đề nghị rút xuống 5 ngày."),
    ("complaint", "other", "Bãi đỗ xe tại trung tâm hành chính công thu phí", "Người dân đến làm thủ tục bị thu phí gửi "
     "xe 5.000 đồng, đề nghị trung tâm bố trí chỗ gửi xe miễn phí."),
    ("complaint", "conduct", "Thái độ không đúng mực khi hướng dẫn hồ sơ", "Cán bộ trả lời cộc lốc, không hướng dẫn "
     "cụ thể cách điền tờ khai, khiến tôi phải đi lại ba lần."),
    ("petition", "procedure", "Trả kết quả qua bưu chính cho người cao tuổi", "Đề nghị xã trả kết quả chứng thực qua "
     "dịch vụ bưu chính công ích cho người trên 70 tuổi mà không thu phí."),
]
NAMES = ["Nguyễn Thị Hoa", "Trần Văn Minh", "Lê Thị Thu", "Phạm Quốc Huy", "Hoàng Thị Lan", "Vũ Đức Thắng",
         "Đặng Thị Mai", "Bùi Văn Nam"]
ANSWER = ("{unit} đã tiếp nhận và kiểm tra nội dung phản ánh, kiến nghị. Qua rà soát, đơn vị đã chấn chỉnh bộ phận "
          "liên quan, hướng dẫn cụ thể cho người dân và cam kết thực hiện đúng quy trình, thời hạn theo quy định.")


def load_demo_items(province: Unit) -> int:
    """File about thirty items over the past six weeks, then move them through their lives."""
    if db.session.scalar(select(func.count(Item.id))):
        return 0
    rng = random.Random(2026)  # nosec B311  # demo data, not secrets
    admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    units = [unit for unit in db.session.scalars(select(Unit).where(Unit.head_id.is_not(None)).order_by(Unit.code))
             if unit.is_current]
    now = utcnow()
    created = 0
    for index in range(32):
        kind, topic, title, body = STORIES[index % len(STORIES)]
        unit = units[index % len(units)]
        procedure = db.session.scalar(select(Procedure).where(Procedure.unit_id == unit.id).order_by(Procedure.code))
        # Answered items were mostly answered in time; the others are older, some late.
        days_ago = rng.randint(1, 9) if index % 8 in (0, 1) else rng.randint(1, 45)
        received = now - dt.timedelta(days=days_ago, hours=rng.randint(0, 8))
        name = NAMES[index % len(NAMES)]
        anonymous = index % 5 == 4
        filing = Filing(
            kind=kind, topic=topic, unit=unit.code if index % 9 else "",
            procedure=procedure.code if procedure and topic == "procedure" and index % 9 else "",
            title=title, body=body + ("" if anonymous else f" Liên hệ: {name}, 09{rng.randint(10000000, 99999999)}."),
            name="" if anonymous else name, phone="" if anonymous else f"09{rng.randint(10000000, 99999999)}",
            consent=not anonymous, publish=index % 3 != 0,
            channel=["hotline", "mailbox", "in_person", "email"][index % 4], received_at=received,
        )
        item, _key, _created = file_item(filing, actor=admin)
        created += 1
        _advance(item, index, admin)
    return created


def _advance(item: Item, index: int, admin: User) -> None:
    """Move the item to a state that depends on its number, as real handling would."""
    stage = index % 8
    head = item.unit.head if item.unit else None
    if item.status == "received" or head is None:
        return
    if stage in (0, 1, 2):
        transition(item, "start", head)
        transition(item, "respond", head, body=ANSWER.format(unit=item.unit.name))
        if stage == 0:
            transition(item, "close", head)
    elif stage == 3:
        transition(item, "start", head)
        officer = db.session.scalar(select(User).where(User.unit_id == item.unit_id, User.role == "officer"))
        transition(item, "draft", officer or head, body=ANSWER.format(unit=item.unit.name))
    elif stage == 4:
        transition(item, "start", head)
        transition(item, "extend", head, reason="Cần xác minh thêm hồ sơ lưu trữ tại đơn vị khác.", days=5)
    elif stage == 5 and item.unit.parent is not None and item.unit.parent.head is not None:
        transition(item, "transfer", admin, unit=item.unit.parent.code, grounds="not_competent",
                   reason="Nội dung thuộc thẩm quyền của đơn vị cấp trên.")
    elif stage == 6:
        transition(item, "reject", head, reason="Nội dung là khiếu nại, cần gửi theo thủ tục giải quyết khiếu nại.")
