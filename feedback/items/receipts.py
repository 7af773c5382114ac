"""The receipt of an item (phiếu tiếp nhận): what it says (code, when and how it was received, the
unit and the deadline, how to follow it, a QR code of its tracking page), in two layouts (A4, and an
80 mm roll for thermal printers), as a page to print and as a PDF through ``feedback.documents``.

The access key is printed only on the filer's own copy (the receipt page in the browser that filed);
a copy printed by staff never carries it.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from feedback import documents
from feedback.links import public_url
from feedback.timeutil import LOCAL_TZ

# Layouts, by the name in the address (?layout=…).
LAYOUTS = ("a4", "80mm")
QR_ERROR_LEVEL = "m"


def tracking_link(item) -> str:
    """The item's public tracking page, on the public site (FEEDBACK_PUBLIC_BASE_URL)."""
    return public_url("items.track", code=item.code)


def qr_data_url(link: str) -> str:
    """The QR code of ``link`` as a small SVG data: URL (pages and PDFs embed nothing from elsewhere)."""
    import segno

    return segno.make(link, error=QR_ERROR_LEVEL, micro=False).svg_data_uri(scale=4, border=2)


def _html(item, layout: str, access_key: str | None) -> str:
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    link = tracking_link(item)
    # A state document: written in Vietnamese whatever the language of the page that asked for it.
    with force_locale("vi"):
        return render_template(
            "items/receipt_document.html", item=item, unit=item.unit, layout=layout, access_key=access_key,
            link=link, lookup=public_url("items.lookup"), qr=qr_data_url(link),
            received=item.received_at.astimezone(LOCAL_TZ),
            due=item.due_at.astimezone(LOCAL_TZ) if item.due_at else None,
            place=item.unit.document_place if item.unit else "",
        )


def receipt_page(item, layout: str = "a4", access_key: str | None = None) -> str:
    """The receipt as an HTML page to print from the browser (print CSS, no inline style)."""
    return _html(item, layout, access_key)


def receipt_pdf(item, layout: str = "a4", access_key: str | None = None) -> bytes:
    """The receipt as a PDF."""
    return documents.html_to_pdf(_html(item, layout, access_key))
