"""Letters of apology as PDF, in the state document format (Decree 30/2020/ND-CP), modelled on
template no. 04 of Circular 01/2018/TT-VPCP (phiếu xin lỗi và hẹn lại ngày trả kết quả)."""

from __future__ import annotations

import datetime as dt

from flask import render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetchingError

from feedback.timeutil import LOCAL_TZ


class NoFetching(URLFetcher):
    """The letter is self-contained: nothing is fetched, neither files nor the network."""

    def fetch(self, url, headers=None):  # noqa: ARG002 - signature of URLFetcher
        raise URLFetchingError(f"fetching {url!r} is not allowed in letters")


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


def vietnamese_date(day: dt.date) -> str:
    return f"ngày {day.day:02d} tháng {day.month} năm {day.year}"


def render_letter(letter, today: dt.date) -> bytes:
    item = letter.item
    html = render_template(
        "accountability/letter.html", letter=letter, item=item, unit=letter.unit,
        parent=letter.unit.parent, place=place_name(letter.unit), date_line=vietnamese_date(today),
        received=item.received_at.astimezone(LOCAL_TZ), due=letter.due_at.astimezone(LOCAL_TZ),
        appointment=vietnamese_date(letter.new_appointment),
        filer=item.contact.name if item.contact and item.contact.name else "Ông/Bà",
    )
    return HTML(string=html, url_fetcher=NoFetching()).write_pdf()
