"""HTTP caching of public answers: an ETag on public pages and downloads, 304 while unchanged, a new
ETag once the page changes, and nothing of the kind on private answers."""

from __future__ import annotations

from tests.helpers import ANSWER, act, bearer, login, review_public_version

from .conftest import file


def test_a_public_page_answers_304_while_unchanged_and_changes_its_etag_with_the_page(client, people):
    head = bearer(client, "head@example.vn")
    first = file(client, title="Hồ sơ khai sinh bị trễ hạn", publish=True)
    act(client, head, first["code"], "respond", body=ANSWER)
    review_public_version(client, first["code"])  # public texts wait for a staff review
    page = client.get("/register")
    etag = page.headers["ETag"]
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-cache"
    again = client.get("/register", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    # The same safety headers as the page itself.
    assert again.headers["Content-Security-Policy"] == page.headers["Content-Security-Policy"]
    second = file(client, title="Giấy phép xây dựng chậm hơn thời hạn", publish=True)
    act(client, head, second["code"], "respond", body=ANSWER)
    review_public_version(client, second["code"])
    changed = client.get("/register", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Giấy phép xây dựng" in changed.get_data(as_text=True)


def test_item_pages_feeds_and_the_api_carry_etags(client, people):
    head = bearer(client, "head@example.vn")
    filed = file(client, title="Hồ sơ khai sinh bị trễ hạn", publish=True)
    act(client, head, filed["code"], "respond", body=ANSWER)
    review_public_version(client, filed["code"])
    for url in (f"/register/items/{filed['code']}", "/api/v1/register",
                "/register/feed.atom"):
        answer = client.get(url)
        assert answer.status_code == 200 and answer.headers.get("ETag"), url
        assert client.get(url, headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304, url


def test_private_answers_get_no_etag_and_no_304(client, people):
    head = bearer(client, "head@example.vn")
    answer = client.get("/api/v1/items", headers=head)
    assert answer.status_code == 200 and "ETag" not in answer.headers
    login(client, "head@example.vn")
    page = client.get("/register")
    assert page.status_code == 200 and "ETag" not in page.headers
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/register", headers={"If-None-Match": "*"}).status_code == 200
