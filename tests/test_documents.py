"""The one door to PDFs: the state document format of Decree 30/2020 (date line, header blocks,
"Nơi nhận", signature forms, page numbers, tables across pages), a URL fetcher that serves our
static files and nothing else (planted local files and a real loopback server prove it), charts
inside a PDF, and WeasyPrint imported in one module only."""

from __future__ import annotations

import ast
import base64
import datetime as dt
import http.server
import io
import logging
import re
import threading
import urllib.request
from pathlib import Path

import pytest
from flask import render_template_string
from pypdf import PdfReader

from feedback import charts, documents
from tests.helpers import images_in, png, top_margin_text

ROOT = Path(__file__).parent.parent


def text_of(pdf: bytes) -> list[str]:
    """The text of each page, whitespace made single."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


# --- the date line and the signature block ---------------------------------------------------


@pytest.mark.parametrize(("day", "written"), [
    (dt.date(2027, 2, 5), "ngày 05 tháng 02 năm 2027"),
    (dt.date(2027, 3, 15), "ngày 15 tháng 3 năm 2027"),
    (dt.date(2026, 12, 1), "ngày 01 tháng 12 năm 2026"),
    (dt.date(2027, 1, 10), "ngày 10 tháng 01 năm 2027"),
    (dt.date(2026, 9, 9), "ngày 09 tháng 9 năm 2026"),
    (dt.date(2026, 10, 31), "ngày 31 tháng 10 năm 2026"),
])
def test_the_date_is_written_as_the_decree_says(day, written):
    assert documents.state_date(day) == written


def test_the_place_and_date_line():
    assert documents.date_line("Quảng Ninh", dt.date(2027, 2, 5)) == "Quảng Ninh, ngày 05 tháng 02 năm 2027"


def test_signature_forms():
    assert documents.signature_lines("Giám đốc") == ["GIÁM ĐỐC"]
    assert documents.signature_lines("Chủ tịch", collective="Ủy ban nhân dân") == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert documents.signature_lines("Phó Giám đốc", deputy_of="Giám đốc") == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    assert documents.signature_lines("Phó Chủ tịch", collective="Ủy ban nhân dân", deputy_of="Chủ tịch") == [
        "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert documents.signature_lines("Giám đốc", acting=True) == ["Q. GIÁM ĐỐC"]
    with pytest.raises(ValueError):
        documents.signature_lines("Phó Giám đốc", deputy_of="Giám đốc", acting=True)


def test_recipients_end_with_the_archive():
    assert documents.recipient_lines(["Ông/Bà Nguyễn Văn A", "Sở Tư pháp"]) == [
        "- Ông/Bà Nguyễn Văn A;", "- Sở Tư pháp;", "- Lưu: VT."]
    assert documents.recipient_lines([], archive=("VT", "P.KSTT")) == ["- Lưu: VT, P.KSTT."]


# --- a state document with every block ------------------------------------------------------

DOCUMENT = """{% extends "documents/layout.html" %}
{% import "documents/state.html" as state %}
{% block document_title %}Báo cáo{% endblock %}
{% block document %}
{{ state.header("Sở Nông nghiệp và Môi trường", parent="Ủy ban nhân dân tỉnh Quảng Ninh", number="15/BC-SNNMT",
                place="Quảng Ninh", day=day, summary="V/v kết quả giải quyết phản ánh") }}
{{ state.title("Báo cáo kết quả tiếp nhận, xử lý phản ánh, kiến nghị", summary="Tháng 02 năm 2027") }}
{{ state.addressee("Ủy ban nhân dân tỉnh Quảng Ninh") }}
<p>Trong tháng, đơn vị đã tiếp nhận {{ rows|length }} phản ánh, kiến nghị; trả lời đúng hạn 99,5%.</p>
<table class="doc-table">
  <caption>Phản ánh, kiến nghị theo lĩnh vực</caption>
  <thead><tr><th>Số thứ tự</th><th>Lĩnh vực</th><th class="num">Số lượng</th></tr></thead>
  <tbody>{% for row in rows %}<tr><td>{{ row }}</td><td>Đất đai, môi trường dòng {{ row }}</td><td class="num">{{ row * 7 }}</td></tr>{% endfor %}</tbody>
</table>
{% call state.closing(["Ủy ban nhân dân tỉnh", "Sở Nội vụ"], archive=("VT", "VP")) %}
  {{ state.signature(signer_title, "Trần Thị Bình", collective=collective, deputy_of=deputy_of, acting=acting) }}
{% endcall %}
{% endblock %}"""


def _document(app, rows=3, signer_title="Phó Giám đốc", collective=None, deputy_of="Giám đốc", acting=False) -> bytes:
    with app.app_context():
        html = render_template_string(DOCUMENT, day=dt.date(2027, 2, 5), rows=list(range(1, rows + 1)),
                                      signer_title=signer_title, collective=collective, deputy_of=deputy_of,
                                      acting=acting)
        return documents.html_to_pdf(html)


def test_a_state_document_has_every_block_in_order(app):
    pdf = _document(app)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert (round(float(reader.pages[0].mediabox.width)), round(float(reader.pages[0].mediabox.height))) == (595, 842)
    text = text_of(pdf)[0]
    blocks = ["ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH", "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "Số: 15/BC-SNNMT",
              "V/v kết quả giải quyết phản ánh", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
              "Quảng Ninh, ngày 05 tháng 02 năm 2027", "BÁO CÁO KẾT QUẢ TIẾP NHẬN, XỬ LÝ PHẢN ÁNH, KIẾN NGHỊ",
              "Tháng 02 năm 2027", "Kính gửi: Ủy ban nhân dân tỉnh Quảng Ninh", "trả lời đúng hạn 99,5%",
              "Nơi nhận:", "- Ủy ban nhân dân tỉnh;", "- Sở Nội vụ;", "- Lưu: VT, VP.", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
              "Trần Thị Bình"]
    positions = [text.find(block) for block in blocks]
    assert -1 not in positions, [block for block, at in zip(blocks, positions) if at == -1]
    # Left block before right block in each line of the header, then title, body, foot.
    assert positions.index(min(positions)) == 0
    assert text.find("BÁO CÁO KẾT QUẢ") < text.find("Kính gửi") < text.find("Nơi nhận:") < text.find("Trần Thị Bình")
    fonts = {str(font.get_object()["/BaseFont"]) for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert all(re.search(r"Liberation-?Serif|Times", name) for name in fonts), fonts


@pytest.mark.parametrize(("options", "lines", "absent"), [
    ({"signer_title": "Chủ tịch", "collective": "Ủy ban nhân dân", "deputy_of": None},
     ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], ["KT.", "Q."]),
    ({"signer_title": "Giám đốc", "deputy_of": None, "acting": True}, ["Q. GIÁM ĐỐC"], ["KT.", "TM."]),
    ({"signer_title": "Giám đốc", "deputy_of": None}, ["GIÁM ĐỐC"], ["KT.", "TM.", "Q."]),
])
def test_the_signature_block_in_the_pdf(app, options, lines, absent):
    text = text_of(_document(app, **options))[0]
    assert " ".join(lines + ["Trần Thị Bình"]) in text
    assert [form for form in absent if form in text] == []


def test_long_documents_number_their_pages_from_the_second_and_repeat_table_headers(app):
    pdf = _document(app, rows=90)
    pages = text_of(pdf)
    assert len(pages) >= 3
    assert top_margin_text(pdf) == [""] + [str(number) for number in range(2, len(pages) + 1)]
    # The table's header row is repeated on each page it runs over, and no row is cut in two.
    table_pages = [text for text in pages if "Đất đai, môi trường dòng" in text]
    assert len(table_pages) >= 2
    for text in table_pages:
        assert "Số thứ tự Lĩnh vực Số lượng" in text
    everything = " ".join(pages)
    for row in range(1, 91):
        assert f"{row} Đất đai, môi trường dòng {row} {row * 7}" in everything, row
    # The signature stays with "Nơi nhận" on the last page.
    assert "Nơi nhận:" in pages[-1] and "Trần Thị Bình" in pages[-1]


# --- the URL fetcher ------------------------------------------------------------------------


def test_static_files_come_from_the_package_and_nothing_else(app):
    body, kind = documents.static_file(documents.BASE_URL + "static/documents/document.css")
    assert kind == "text/css" and b"@page" in body
    for url in ("static/../../etc/passwd", "static/%2e%2e/%2e%2e/etc/passwd", "static/documents/../feedback.css/",
                "static/feedback.js", "static/nope.css", "static//documents/document.css",
                "templates/documents/layout.html", "static/documents/"):
        with pytest.raises(documents.Refused):
            documents.static_file(documents.BASE_URL + url)
    for url in ("file:///etc/passwd", "https://example.com/static/documents/document.css",
                "http://document.invalid/static/documents/document.css", "ftp://document.invalid/static/a.css",
                "/static/documents/document.css"):
        with pytest.raises(documents.Refused):
            documents.static_file(url)


class _Counting(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        type(self).requests.append(self.path)
        body = png() if self.path.endswith(".png") else b'body::after { content: "REMOTE-CSS-READ"; }'
        self.send_response(200)
        self.send_header("Content-Type", "image/png" if self.path.endswith(".png") else "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def remote():
    """A real HTTP server on a loopback port that counts the requests it gets."""
    _Counting.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Counting.requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_planted_files_and_remote_urls_never_reach_the_pdf(app, tmp_path, remote, caplog):
    from weasyprint import HTML  # only to show what WeasyPrint's own fetcher would have done

    base, requests = remote
    (tmp_path / "planted.png").write_bytes(png())
    (tmp_path / "planted.css").write_text('p::before { content: "PLANTED-CSS-READ "; }')
    big_css = "/*" + "x" * documents.DATA_URL_MAX_CHARS + '*/ body::before { content: "BIG-DATA-READ"; }'
    html = f"""<html><head>
      <link rel="stylesheet" href="file://{tmp_path}/planted.css">
      <link rel="stylesheet" href="{base}/remote.css">
      <link rel="stylesheet" href="data:text/css;base64,{base64.b64encode(big_css.encode()).decode()}">
      <style>@import url("{base}/imported.css"); p {{ background: url("file://{tmp_path}/planted.png"); }}</style>
      </head><body><p>Nội dung do người dân gửi</p>
      <img src="file://{tmp_path}/planted.png" width="40" height="40">
      <img src="{base}/remote.png" width="40" height="40">
      <img src="ftp://127.0.0.1/x.png"><img src="gopher://127.0.0.1/x.png">
      <svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><image href="file://{tmp_path}/planted.png" width="40" height="40"/></svg>
      </body></html>"""
    with app.app_context(), caplog.at_level(logging.WARNING):
        fetcher = documents.static_files_only()
        pdf = documents.html_to_pdf(html, fetcher=fetcher)
    text = " ".join(text_of(pdf))
    assert "Nội dung do người dân gửi" in text
    assert "PLANTED-CSS-READ" not in text and "REMOTE-CSS-READ" not in text and "BIG-DATA-READ" not in text
    assert images_in(pdf) == 0
    assert requests == []
    assert len(fetcher.refused) >= 8 and any("file" in reason for reason in fetcher.refused)
    assert any("data: URL" in reason for reason in fetcher.refused)
    # The log says what was refused, without the path, the address or the data.
    assert "refused" in caplog.text
    assert str(tmp_path) not in caplog.text and base not in caplog.text and "base64" not in caplog.text

    # The same page with WeasyPrint's own fetcher reads the planted files and calls the server:
    # the checks above would have caught a fetcher that lets them through.
    unsafe = HTML(string=html).write_pdf()
    assert images_in(unsafe) >= 2 and "PLANTED-CSS-READ" in " ".join(text_of(unsafe))
    assert requests and urllib.request.urlopen(f"{base}/remote.png", timeout=10).status == 200


def test_markup_in_user_text_is_printed_not_fetched(app, tmp_path, remote):
    base, requests = remote
    (tmp_path / "planted.png").write_bytes(png())
    user_text = f'<img src="file://{tmp_path}/planted.png"> <img src="{base}/x.png"> Đơn của công dân'
    with app.app_context():
        pdf = documents.html_to_pdf(render_template_string(
            '{% extends "documents/layout.html" %}{% block document %}<p>{{ text }}</p>{% endblock %}', text=user_text))
    text = " ".join(text_of(pdf))
    assert "planted.png" in text and "Đơn của công dân" in text  # shown as text
    assert images_in(pdf) == 0 and requests == []


def test_small_data_urls_and_our_own_style_sheet_are_used(app):
    small = "data:image/png;base64," + base64.b64encode(png()).decode()
    with app.app_context():
        fetcher = documents.static_files_only()
        pdf = documents.html_to_pdf(render_template_string(
            '{% extends "documents/layout.html" %}{% block document %}<p>Ảnh</p><img src="{{ src }}" width="20">'
            '{% endblock %}', src=small), fetcher=fetcher)
    assert images_in(pdf) == 1 and fetcher.refused == []
    # The layout's style sheet was fetched from the package: A4 and the serif font.
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert round(float(page.mediabox.width)) == 595
    fonts = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any(re.search(r"Liberation-?Serif|Times", name) for name in fonts), fonts


# --- charts in a PDF ------------------------------------------------------------------------


def test_a_chart_inside_a_pdf(app):
    with app.test_request_context("/"):
        ranking = charts.ranking([("Sở Tư pháp", 1.0), ("Ủy ban nhân dân xã Cô Tô", 0.875)], chart_id="ranking",
                                 title="Tỷ lệ trả lời đúng hạn", description="Xếp hạng đơn vị",
                                 category_header="Đơn vị", value_header="Tỷ lệ", target=1.0)
        trend = charts.stacked_columns(
            [dt.date(2027, 1, 1), dt.date(2027, 2, 1)],
            [charts.Series("on_time", "Đúng hạn", "ok"), charts.Series("late", "Trễ hạn", "bad")],
            {"on_time": [8035, 12], "late": [28, 0]}, chart_id="trend", title="Theo tháng", description="Hai tháng",
            category_header="Tháng")
        html = render_template_string(
            '{% extends "documents/layout.html" %}{% block document %}<div class="doc-figure">{{ a.svg }}</div>'
            '<div class="doc-figure">{{ b.svg }}</div>{{ b.table }}{% endblock %}', a=ranking, b=trend)
        pdf = documents.html_to_pdf(html)
    text = " ".join(text_of(pdf))
    for shown in ("Sở Tư pháp", "Ủy ban nhân dân xã Cô Tô", "87,5%", "Mục tiêu 100%", "Đúng hạn", "Trễ hạn",
                  "8.035", "01/27", "02/27", "01/2027 8.035 28"):
        assert shown in text, shown


# --- one module imports WeasyPrint ----------------------------------------------------------


def test_weasyprint_is_imported_by_the_documents_module_only():
    importers = set()
    for path in (ROOT / "feedback").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name == "weasyprint" or name.startswith("weasyprint.") for name in names):
                importers.add(path.relative_to(ROOT).as_posix())
    assert importers == {"feedback/documents.py"}
