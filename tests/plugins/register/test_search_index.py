"""SQLite's full-text index of the register (FTS5, trigrams) follows every change of the public text,
and search finds the same rows through it as without it, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from feedback.extensions import db
from feedback.plugins.register import search as search_index
from feedback.plugins.register import services
from tests.helpers import ANSWER, act, bearer, item, review_public_version

from .conftest import file


def codes(client, q: str) -> list[str]:
    return [row["code"] for row in client.get("/api/v1/register", query_string={"q": q}).get_json()["items"]]


def indexed(q: str) -> set[int]:
    expression = search_index.match_expression(q.split())
    return {row[0] for row in db.session.execute(search_index.matching_ids(expression))}


def test_the_index_follows_answers_and_search_finds_the_same_rows(app, client, people):
    head = bearer(client, "head@example.vn")
    land = file(client, title="Thủ tục đất đai bị chậm", publish=True)
    building = file(client, title="Giấy phép xây dựng chậm hơn thời hạn", publish=True)
    for filed in (land, building):  # public texts wait for a staff review
        review_public_version(client, filed["code"])
    assert codes(client, "thu tuc dat dai") == [land["code"]]
    assert codes(client, "cham") == [building["code"], land["code"]]
    assert codes(client, "xay dung thu tuc") == []
    assert codes(client, "so thu tuc") == [land["code"]]  # a two-letter word: matched without the index
    act(client, head, building["code"], "respond", body=ANSWER)
    review_public_version(client, building["code"])
    assert codes(client, "kiem tra ho so") == [building["code"]]  # words of the published answer
    with app.app_context():
        on_sqlite = db.engine.dialect.name == "sqlite"
        assert search_index.available(db.session) == on_sqlite
        if on_sqlite:
            ids = {item(land["code"]).id, item(building["code"]).id}
            assert indexed("dat dai") == {item(land["code"]).id}
            assert indexed("kiem tra") == {item(building["code"]).id}
            assert indexed("cham") == ids
            # Nothing is in the index that the register does not hold.
            total = db.session.execute(text(f"SELECT COUNT(*) FROM {search_index.TABLE}")).scalar()
            assert total == db.session.execute(text("SELECT COUNT(*) FROM register_entries")).scalar()


def pages(q: str, way: str | None) -> list[list[str]]:
    """Every page of a search, two rows a page, read the given way (None: as the search chooses)."""
    found, cursor = [], None
    while True:
        entries, cursor = services.search(services.RegisterFilters(q=q), cursor, limit=2, plan=way)
        found.append([entry.code for entry in entries])
        if cursor is None:
            return found


@pytest.mark.parametrize("common", [search_index.COMMON, 2])  # 2: most words are "common"
def test_every_way_of_reading_the_index_finds_the_same_pages(app, client, people, monkeypatch, common):
    monkeypatch.setattr(search_index, "COMMON", common)
    titles = ["Thủ tục đất đai bị chậm", "Hồ sơ đất đai chậm trả", "Giấy phép xây dựng bị chậm",
              "Chứng thực bản sao chậm", "Hộ tịch khai sinh đúng hẹn"]
    filed = [file(client, title=title, publish=True)["code"] for title in titles]
    for code in filed:
        review_public_version(client, code)
    newest_first = filed[::-1]
    expected = {"cham": [code for code in newest_first if code != filed[4]],
                "dat dai": [filed[1], filed[0]], "ban sao": [filed[3]], "zzz": [], "cham dat": [filed[1], filed[0]],
                "thu tuc cham": [filed[0]], "cham zzz": [],
                # a two-letter word ("so" is in other public text too), matched with LIKE
                "so cham": None}
    with app.test_request_context():
        for q, codes_found in expected.items():
            ways = {way: pages(q, way) for way in (search_index.MATCHES, search_index.ORDERED, search_index.SCAN, None)}
            for way, found in ways.items():
                assert all(len(page) == 2 for page in found[:-1]), (q, way, found)
                assert found == ways[search_index.SCAN], (q, way)
            codes_found = [code for page in ways[None] for code in page]
            if expected[q] is not None:
                assert codes_found == expected[q], q
            assert services.count(services.RegisterFilters(q=q)) == len(codes_found)
        assert filed[1] in codes_found  # "so cham": "hồ sơ ... chậm"


def test_the_way_is_chosen_from_the_matches_counted_in_the_index(app, client, people, monkeypatch):
    filed = [file(client, title=title, publish=True)["code"]
             for title in ("Thủ tục đất đai bị chậm", "Hồ sơ đất đai chậm trả", "Chứng thực bản sao")]
    for code in filed:
        review_public_version(client, code)
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            assert not search_index.available(db.session)  # PostgreSQL's planner reads its trigram index
            return
    def chosen(q: str) -> tuple[str, int, str, tuple]:
        with app.test_request_context():  # the plan is kept for one request
            found = search_index.plan(db.session, q.split())
            return found.way, found.matches, found.expression, found.checked

    assert chosen("dat dai") == (search_index.MATCHES, 2, '"dat" AND "dai"', ())  # few: read by id
    assert chosen("so dat") == (search_index.MATCHES, 2, '"dat"', ("so",))  # "so": too short
    monkeypatch.setattr(search_index, "RARE", 2)
    monkeypatch.setattr(search_index, "DENSE", 1.0)  # bound: the whole register
    assert chosen("dat dai") == (search_index.ORDERED, 2, '"dat" AND "dai"', ())
    assert chosen("ban sao") == (search_index.MATCHES, 1, '"ban" AND "sao"', ())
    monkeypatch.setattr(search_index, "DENSE", 0.0)  # bound: RARE
    assert chosen("dat dai") == (search_index.SCAN, 2, '"dat" AND "dai"', ())
    # A word in more rows than COMMON is matched with LIKE among the rows of the rarer ones.
    monkeypatch.setattr(search_index, "COMMON", 2)
    assert chosen("dat ban sao") == (search_index.MATCHES, 1, '"ban" AND "sao"', ("dat",))
    # All common: the index looks for all of them, and their density among the newest rows decides.
    assert chosen("dat dai") == (search_index.SCAN, None, '"dat" AND "dai"', ())
    monkeypatch.setattr(search_index, "DENSE", 1.0)  # the two rows are not every row
    assert chosen("dat dai") == (search_index.ORDERED, 2, '"dat" AND "dai"', ())
