"""Letters of apology as PDF, in the state document format (Decree 30/2020/ND-CP), modelled on
template no. 04 of Circular 01/2018/TT-VPCP (phiếu xin lỗi và hẹn lại ngày trả kết quả)."""

from __future__ import annotations

import datetime as dt

from feedback import documents
from feedback.timeutil import LOCAL_TZ

# How a citizen is addressed when their sex is not known.
SALUTATION = "Ông/Bà"


def addressee(item) -> str:
    """"Ông/Bà Nguyễn Thị Hoa", or "Ông/Bà" alone for a filer who gave no name."""
    name = " ".join((item.contact.name if item.contact and item.contact.name else "").split())
    return f"{SALUTATION} {name}" if name else SALUTATION


def recipients(unit) -> list[str]:
    """The "Nơi nhận" of a letter: the filer (named above), the unit above for its information."""
    names = ["Như trên"]
    if unit.parent is not None:
        names.append(f"{unit.parent.name} (để báo cáo)")
    return names


def render_letter(letter, today: dt.date) -> bytes:
    item = letter.item
    unit = letter.unit
    return documents.render_pdf(
        "accountability/letter.html", letter=letter, item=item, unit=unit, parent=unit.parent,
        place=unit.document_place, today=today, filer=addressee(item), recipients=recipients(unit),
        received=item.received_at.astimezone(LOCAL_TZ), due=letter.due_at.astimezone(LOCAL_TZ),
    )
