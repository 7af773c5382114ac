"""The head's inbox: open items by urgency (overdue, due today, due soon, later) and the drafts
waiting for approval; only the items of the user's units."""

from __future__ import annotations

import re

import pytest

from .conftest import ANSWER, act, file_item, local, login, token


def section(html: str, key: str) -> str:
    found = re.search(rf'<section class="inbox-{key}">(.*?)</section>', html, re.S)
    assert found, key
    return found.group(1)


@pytest.fixture
def inbox_items(client, db, people, clock):
    clock.set(local(2026, 11, 12, 9))
    staff = token(client)
    codes = {
        "overdue": file_item(client, staff, received_at=local(2026, 10, 20, 10))["code"],   # due 3/11
        "today": file_item(client, staff, received_at=local(2026, 10, 30, 10))["code"],     # due 13/11
        "soon": file_item(client, staff, received_at=local(2026, 10, 31, 10))["code"],      # due 16/11
        "later": file_item(client, staff, received_at=local(2026, 11, 12, 8))["code"],      # due 26/11
        "answered": file_item(client, staff, received_at=local(2026, 10, 20, 10))["code"],
        "commune": file_item(client, staff, received_at=local(2026, 10, 20, 10), unit="P.XA")["code"],
    }
    act(client, token(client, "officer@example.vn"), codes["later"], "draft", body=ANSWER)
    act(client, token(client, "head@example.vn"), codes["answered"], "respond", body=ANSWER)
    clock.set(local(2026, 11, 13, 9))
    return codes


def test_the_heads_inbox_sorts_items_by_urgency(client, inbox_items):
    login(client, "head@example.vn")
    response = client.get("/staff/inbox")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    expected = {"overdue": {"overdue"}, "today": {"today"}, "soon": {"soon"}, "approval": {"later"},
                "later": {"later"}}
    for key, names in expected.items():
        shown = {name for name, code in inbox_items.items() if code in section(html, key)}
        assert shown == names, key
    assert inbox_items["answered"] not in html
    assert inbox_items["commune"] not in html
    assert "/staff/delegation" in html


def test_the_province_head_sees_the_items_of_the_units_below(client, inbox_items):
    login(client, "tinh@example.vn")
    html = client.get("/staff/inbox").get_data(as_text=True)
    overdue = section(html, "overdue")
    assert inbox_items["overdue"] in overdue and inbox_items["commune"] in overdue


def test_the_inbox_goes_page_by_page_in_the_order_of_the_deadlines(app, client, inbox_items):
    app.config["PAGE_SIZE"] = 2
    login(client, "head@example.vn")
    pages, url = [], "/staff/inbox"
    for _ in range(5):  # four open items of the department, two a page
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        pages.append(html)
        found = re.search(r'<a rel="next" href="([^"]+)"', html)
        if found is None:
            break
        url = found.group(1).replace("&amp;", "&")
    assert len(pages) == 2
    first, second = pages
    # The most urgent first; each heading counts its items on every page.
    assert inbox_items["overdue"] in section(first, "overdue") and inbox_items["today"] in section(first, "today")
    assert inbox_items["soon"] in section(second, "soon") and inbox_items["later"] in section(second, "later")
    assert inbox_items["later"] in section(second, "approval") and "(1)" in section(first, "approval")
    assert inbox_items["overdue"] not in second and inbox_items["later"] not in first
    for key in ("overdue", "today", "soon", "later"):
        assert "(1)" in section(first, key) and "(1)" in section(second, key), key
    assert "(0)" not in first
    assert 'rel="next"' not in second


def test_a_tampered_inbox_page_link_is_refused_in_words(client, inbox_items):
    login(client, "head@example.vn")
    response = client.get("/staff/inbox?cursor=not-ours")
    assert response.status_code == 400
    assert "hãy bắt đầu lại từ trang đầu" in response.get_data(as_text=True)
