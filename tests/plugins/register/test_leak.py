"""Plant personal data in items and answers, crawl every public page, feed, download and API answer: none of it leaks."""

from __future__ import annotations

import io
import re
from urllib.parse import urljoin, urlparse

from openpyxl import load_workbook

from feedback.exports import MIMETYPES
from feedback.text import fold
from tests.helpers import act, bearer

from .conftest import file

NAME = "Trịnh Công Bảo Mật"
PHONE = "0912345678"
CITIZEN_ID = "001099012345"
EMAIL = "baomat.nguoidan@example.com"
ADDRESS = "số 17 ngõ 42 phố Hàng Bạc"
SECRETS = (NAME, PHONE, "0912 345 678", "091.234.5678", CITIZEN_ID, EMAIL, ADDRESS)
TEXT = (f"Tôi là {NAME}, CCCD {CITIZEN_ID}, ở {ADDRESS}; gọi 0912 345 678 hoặc 091.234.5678 hoặc {PHONE}, "
        f"thư {EMAIL}. Hồ sơ đất đai của tôi bị chậm.")
ANSWER = (f"Kính gửi {NAME} ({ADDRESS}), số điện thoại {PHONE}, CCCD {CITIZEN_ID}, e-mail {EMAIL}: "
          "đơn vị đã giải quyết xong hồ sơ đất đai.")
CONTACT = {"name": NAME, "phone": PHONE, "email": EMAIL, "address": ADDRESS}
LINK = re.compile(r'(?:href|src)="([^"#]+)')


def _text_of(response) -> str:
    """What a response says: its text, or every cell of every sheet of a workbook."""
    if response.headers["Content-Type"] != MIMETYPES["xlsx"]:
        return response.get_data(as_text=True)
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    return "\n".join(str(value) for sheet in book for row in sheet.iter_rows(values_only=True)
                     for value in row if value is not None)


def _leaks(text: str) -> list[str]:
    folded = fold(text)
    return [secret for secret in SECRETS if secret in text or fold(secret) in folded]


def test_no_personal_data_on_any_public_page_feed_download_or_api(client, people):
    head = bearer(client, "head@example.vn")
    admin = bearer(client)
    codes = []
    for publish in (True, False):
        filed = file(client, title=f"{NAME} hỏi hồ sơ đất đai {PHONE}", body=TEXT, publish=publish, consent=True,
                     contact=CONTACT)
        act(client, head, filed["code"], "extend", reason=f"Cần xác minh với {NAME}, {PHONE}", days=2)
        act(client, head, filed["code"], "respond", body=ANSWER)
        codes.append(filed["code"])
    moved = file(client, title=f"Đơn của {NAME}", body=TEXT, publish=True, consent=True, contact=CONTACT)
    act(client, admin, moved["code"], "transfer", grounds="not_competent", unit="P", reason=f"Chuyển theo yêu cầu của {NAME} {EMAIL}")
    codes.append(moved["code"])

    seeds = ["/", "/register", "/dashboard", "/register/feed.atom", "/register/download.csv", "/register/download.json",
             "/register/download.xlsx", "/dashboard/stats.csv", "/dashboard/stats.json", "/dashboard/stats.xlsx", "/api/v1/register", "/api/v1/register?limit=1",
             "/api/v1/stats/units", "/kiosk", "/register/units/P.STP/feed.atom", "/register/units/P/feed.atom"]
    for code in codes:
        seeds += [f"/api/v1/items/{code}", f"/track/{code}", f"/kiosk?code={code}", f"/register/items/{code}"]
    for q in ("dat dai", NAME, PHONE, EMAIL, CITIZEN_ID, "hang bac", "bao mat"):
        seeds += [f"/register?q={q}", f"/api/v1/register?q={q}"]

    seen, queue, crawled = set(), list(seeds), 0
    while queue and crawled < 400:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        crawled += 1
        assert response.status_code < 500, url
        text = _text_of(response)
        searched = "q=" in url and _leaks(url)
        if searched:
            # What the visitor typed is shown back in the search box and in the page's own links, nowhere else.
            text = re.sub(r'(value|href)="[^"]*"', "", text)
        assert _leaks(text) == [], url
        if searched or response.mimetype not in ("text/html", "application/atom+xml"):
            continue
        for link in LINK.findall(text):
            target = urljoin(url, link.replace("&amp;", "&"))
            parsed = urlparse(target)
            if parsed.netloc not in ("", "localhost") or parsed.path.startswith(("/static", "/staff", "/admin", "/login")):
                continue
            path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            if path not in seen:
                queue.append(path)
    assert crawled > 40
    assert any(url.startswith("/register/items/") for url in seen) and any("cursor" not in u for u in seen)
    # Search finds nothing by the planted personal data: the index holds public text only.
    for q in (NAME, PHONE, EMAIL, CITIZEN_ID, ADDRESS):
        assert client.get("/api/v1/register", query_string={"q": q}).get_json()["items"] == [], q
