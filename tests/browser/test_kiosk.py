"""Journey 4: at the one-stop desk's kiosk (a 1080 x 1920 touch screen), a person taps a tracking
code on the keypad and reads the item's status; left alone, the screen warns, then starts again."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.helpers import file_item


def test_a_look_up_at_the_kiosk_then_the_screen_starts_again(app, staff, client, browse):
    filed = file_item(client, unit="P.STP")
    code = filed["code"]
    visit = browse("kiosk")
    page = visit.page
    page.clock.install()
    visit.goto("/kiosk")
    # Large type across the whole screen, and no way out of the kiosk.
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 28
    assert page.locator("main").bounding_box()["width"] >= 1000
    for href in page.locator("a[href]").evaluate_all("links => links.map(a => a.href)"):
        assert urlsplit(href).path.startswith("/kiosk"), href
    keys = page.locator(".keypad button")
    assert keys.count() == 34 and all(keys.nth(i).bounding_box()["height"] >= 80 for i in (0, 17, 33))
    for character in code:
        page.locator(".keypad").get_by_role("button", name=character, exact=True).tap()
    assert page.get_by_label("Mã số", exact=True).input_value() == code
    visit.click(page.locator("main form").get_by_role("button", name="Tra cứu"))
    assert "Đang chờ" in page.locator(".facts").inner_text() or "Đã giao" in page.locator(".facts").inner_text()
    assert code in page.locator("main").inner_text()
    visit.screenshot("kiosk-status")
    # Links drawn as buttons hold their words in the middle, as the keypad's buttons do.
    offsets = page.locator("main a.button").evaluate_all("""links => links.map(link => {
        const range = document.createRange();
        range.selectNodeContents(link);
        const box = link.getBoundingClientRect(), words = range.getBoundingClientRect();
        return [link.textContent.trim(), (words.top - box.top) - (box.bottom - words.bottom)];
    })""")
    assert offsets and all(abs(offset) <= 4 for _text, offset in offsets), offsets
    for href in page.locator("a[href]").evaluate_all("links => links.map(a => a.href)"):
        assert urlsplit(href).path.startswith("/kiosk"), href

    # Left alone, it warns first; a touch keeps the page.
    warning = page.get_by_role("alertdialog")
    assert warning.is_hidden()
    page.clock.fast_forward("01:31")
    assert warning.is_visible() and "Bạn còn ở đây không?" in warning.inner_text()
    warning.get_by_role("button", name="Tiếp tục").tap()
    assert warning.is_hidden() and code in page.url
    # Then, without a touch, it starts again for the next person.
    page.clock.fast_forward("01:31")
    assert warning.is_visible()
    with page.expect_event("load"):
        page.clock.fast_forward("00:21")
    visit.check()
    assert urlsplit(page.url).path == "/kiosk" and not urlsplit(page.url).query
    assert page.get_by_label("Mã số", exact=True).input_value() == ""
