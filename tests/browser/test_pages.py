"""The main public pages on a phone (390 px) and on a desk (1366 px): each checked with axe-core,
nothing wider than the phone's screen, and a picture of each for the README when
FEEDBACK_TEST_SCREENSHOTS is set."""

from __future__ import annotations

from tests.helpers import act, bearer, file_item

PAGES = (("home", "/"), ("file", "/file"), ("register", "/register"), ("dashboard", "/dashboard"),
         ("procedures", "/procedures"), ("dialogues", "/dialogues"))


def test_the_main_pages_on_a_phone_and_on_a_desk(app, staff, client, browse):
    headers = bearer(client, "head@example.vn")
    code = file_item(client, unit="P.STP", publish=True)["code"]
    act(client, headers, code, "respond", body="Sở Tư pháp đã kiểm tra và trả kết quả cho công dân ngày hôm sau.")
    for screen in ("phone", "desk"):
        visit = browse(screen)
        for name, path in (*PAGES, ("register-item", f"/register/items/{code}")):
            visit.goto(path)
            assert visit.page.locator("h1").count() == 1, f"{path}: one heading of the page"
            if screen == "phone":
                assert visit.page.evaluate("document.documentElement.scrollWidth") <= 390, path
            visit.screenshot(f"{screen}-{name}")
    # The title names the page once, then the site.
    assert visit.page.title().count("Phản ánh, kiến nghị") == 1
