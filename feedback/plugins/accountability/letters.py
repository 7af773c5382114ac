"""Letters of apology as PDF, in the state document format (Decree 30/2020/ND-CP), modelled on
template no. 04 of Circular 01/2018/TT-VPCP (phiếu xin lỗi và hẹn lại ngày trả kết quả)."""

from __future__ import annotations

import datetime as dt

from feedback import documents
from feedback.timeutil import LOCAL_TZ


def place_name(unit) -> str:
    """The place written before the date: the province of the unit ("Quảng Ninh")."""
    root = unit
    for ancestor in unit.ancestors():
        root = ancestor
    name = root.name
    for marker in ("tỉnh ", "thành phố ", "Tỉnh ", "Thành phố "):
        if marker in name:
            return name.split(marker, 1)[1].strip()
    return name


def render_letter(letter, today: dt.date) -> bytes:
    item = letter.item
    return documents.render_pdf(
        "accountability/letter.html", letter=letter, item=item, unit=letter.unit, parent=letter.unit.parent,
        place=place_name(letter.unit), today=today,
        received=item.received_at.astimezone(LOCAL_TZ), due=letter.due_at.astimezone(LOCAL_TZ),
        filer=item.contact.name if item.contact and item.contact.name else "Ông/Bà",
    )
