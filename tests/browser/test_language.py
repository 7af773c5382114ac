"""Journey 6: switching the language to English and back keeps the page, its query and its
place; the page reads in the language chosen."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.helpers import file_item


def test_switching_to_english_and_back_keeps_the_page(app, staff, client, browse):
    code = file_item(client, unit="P.STP")["code"]
    visit = browse("desk")
    page = visit.page
    for path, vietnamese, english in ((f"/track/{code}", "Quá trình xử lý", "History"),
                                      ("/procedures?q=khai+sinh", "Danh mục thủ tục hành chính", "Procedure catalogue")):
        visit.goto(path)
        assert page.locator("html").get_attribute("lang") == "vi" and vietnamese in page.locator("main").inner_text()
        visit.click(page.get_by_role("navigation", name="Ngôn ngữ").get_by_role("link", name="English"))
        assert page.locator("html").get_attribute("lang") == "en" and english in page.locator("main").inner_text()
        assert urlsplit(page.url).path == urlsplit(path).path
        assert parse_qs(urlsplit(page.url).query).get("q") == parse_qs(urlsplit(path).query).get("q")
        visit.screenshot("desk-english" if path.startswith("/track") else "desk-english-procedures")
        visit.click(page.get_by_role("navigation", name="Language").get_by_role("link", name="Tiếng Việt"))
        assert page.locator("html").get_attribute("lang") == "vi" and vietnamese in page.locator("main").inner_text()
        assert urlsplit(page.url).path == urlsplit(path).path
    # The choice stays for the next pages.
    visit.goto("/track")
    assert page.locator("html").get_attribute("lang") == "vi"
