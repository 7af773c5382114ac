"""SQLite's full-text index of the register (FTS5, trigrams) follows every change of the public text,
and search finds the same rows through it as without it, on both backends."""

from __future__ import annotations

from sqlalchemy import text

from feedback.extensions import db
from feedback.plugins.register import search as search_index
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
