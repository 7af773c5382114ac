"""The leak crawl: items whose title, text, contact and answer are full of personal data written the
way people write it (tests/personal_data.py, a seeded corpus) go through filing, drafting, review and
publication; then a visitor without an account follows every public link (pages, the kiosk, feeds,
CSV/XLSX/JSON downloads, the API, any PDF) and finds none of it."""

from __future__ import annotations

import io
import random
from collections import Counter, deque
from urllib.parse import urlsplit

from tests import personal_data as pd
from tests.helpers import ANSWER, act, bearer, file_item, review_public_version
from tests.security.matrix import MATRIX

ITEMS, SEED = 12, 2026
PER_ROUTE, PAGES = 30, 500


def _corpus(rng: random.Random):
    """Items to file, each with the data (pd.Datum) hidden in it."""
    cases = []
    for number in range(ITEMS):
        name, _given = pd.canary_person(rng)
        contact_phone = "09" + "".join(rng.choice("0123456789") for _ in range(8))
        address = pd.address(rng)
        in_title = [rng.choice(pd.KINDS)(rng)]
        in_body = [maker(rng) for maker in pd.KINDS] + [pd.name_spelling(rng, name)]
        in_answer = [pd.phone(rng), pd.identity(rng), pd.name_spelling(rng, name)]
        rng.shuffle(in_body)
        title = "Phản ánh: " + in_title[0].text
        body = " ".join(pd.sentence(rng, datum) for datum in in_body)
        answer = "Kính gửi " + in_answer[2].text + ": đơn vị đã xác minh. " + " ".join(
            pd.sentence(rng, datum) for datum in in_answer[:2])
        contact = {"name": name, "phone": contact_phone, "address": address.text}
        secrets = in_title + in_body + in_answer + [
            pd.Datum("name", name, names=[name.split()[-1]]), pd.Datum("phone", contact["phone"],
                                                                     needles=[contact["phone"][-8:]]), address]
        cases.append({"title": title, "body": body, "answer": ANSWER + " " + answer, "contact": contact,
                      "secrets": secrets, "how": number % 4})
    return cases


def _strong(datum: pd.Datum) -> pd.Datum:
    """A datum's needles that cannot be found by chance on a page: digit strings of 5 or more, names,
    and the names of streets and villages (not house numbers, which dates and counts also hold)."""
    return pd.Datum(datum.kind, datum.text, needles=[n for n in datum.needles if len(n) >= 5],
                    words=[word for word in datum.words if not word.isdigit()], names=datum.names)


def _text_of(response) -> tuple[str, str]:
    """What a visitor reads in an answer: the text of a page or download, the cells of a workbook,
    the text of a PDF."""
    data = response.get_data()
    if response.mimetype == "application/pdf":
        from pypdf import PdfReader

        return "pdf", "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if response.mimetype.endswith("spreadsheetml.sheet"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        cells = [str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                 for value in row if value is not None]
        book.close()
        return "xlsx", "\n".join(cells)
    return response.mimetype, data.decode("utf-8", "replace")


def test_a_crawl_of_every_public_page_finds_no_personal_data(app, client, people, savepoint):
    cases = _corpus(random.Random(SEED))
    officer, head = bearer(client, "officer@example.vn"), bearer(client, "head@example.vn")
    codes = []
    for case in cases:
        filed = file_item(client, title=case["title"], body=case["body"], contact=case["contact"], consent=True,
                          publish=True)
        code = filed["code"]
        codes.append(code)
        if case["how"] == 0:  # drafted by an officer, reviewed and published by the head in one step
            act(client, officer, code, "respond", body=case["answer"])
            review_public_version(client, code, publish=True)
        elif case["how"] == 1:  # answered by the head, reviewed afterwards
            act(client, head, code, "respond", body=case["answer"])
            review_public_version(client, code)
        elif case["how"] == 2:  # answered, its review still to come
            act(client, head, code, "respond", body=case["answer"])
        else:  # reviewed, the answer not yet written
            review_public_version(client, code, email="officer@example.vn")

    start = [row.rule for row in MATRIX if row.method == "GET" and row.expect["anonymous"] == "ok"
             and "<" not in row.rule and not row.rule.startswith("/static")]
    for code in codes:
        start += [f"/register/items/{code}", f"/track/{code}", f"/t/{code}", f"/kiosk?code={code}",
                  f"/api/v1/items/{code}", f"/register?q={code}"]
    start += ["/register/units/P.STP/feed.atom", "/register/download.csv", "/register/download.xlsx",
              "/register/download.json", "/api/v1/register?limit=100", "/register?q=so+dien+thoai",
              "/dashboard/units/P.STP", "/dashboard/stats.xlsx"]
    secrets = [_strong(datum) for case in cases for datum in case["secrets"]]
    browser = app.test_client()
    queue, seen, per_route, kinds, found, pages = deque(start), set(), Counter(), Counter(), [], 0
    while queue and pages < PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        try:
            endpoint, _args = app.url_map.bind("localhost").match(urlsplit(url).path, method="GET")
        except Exception:  # noqa: BLE001 - an address the app does not serve answers 404 below
            endpoint = url
        if per_route[endpoint] >= PER_ROUTE or endpoint in ("static", "auth.login"):
            continue
        per_route[endpoint] += 1
        with savepoint():
            response = browser.get(url)
            kind, text = _text_of(response)
            response.close()
        pages += 1
        kinds[kind] += 1
        assert response.status_code < 500, url
        shown = pd.Shown(text)
        for datum in secrets:
            for needle in pd.leaked(datum, shown):
                found.append(f"{url}: {datum.kind} {needle!r} (written {datum.text!r})")
        if kind == "text/html":
            from tests.security.test_headers import inline_problems

            for link in inline_problems(text)[1]:
                parts = urlsplit(link)
                if not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("/static/"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    needles = sum(len(d.needles) + len(d.words) + len(d.names) for d in secrets)
    summary = (f"{pages} public answers ({dict(kinds)}) searched for {len(secrets)} pieces of personal data "
               f"({needles} needles) of {ITEMS} items: {len(found)} found")
    print(summary)
    assert pages > 100 and kinds["xlsx"] >= 1 and kinds["application/json"] >= ITEMS, summary
    assert not found, summary + "\n  " + "\n  ".join(found[:40])
    # The reviewed texts are there, masked: the crawl looked at real content.
    row = client.get(f"/api/v1/items/{codes[1]}").get_json()
    assert row["body"] and "[" in row["body"] and row["response"]["body"]
