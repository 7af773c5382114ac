"""No N+1 queries: every list page makes as many database queries for many rows as for a few (the
rows and what they show are loaded in a fixed number of queries, never one query per row)."""

from __future__ import annotations

import contextlib

from sqlalchemy import event

from feedback.extensions import db
from tests.helpers import ANSWER, act, bearer, file_item, login

PUBLIC = ["/register", "/register?q=ho+so", "/api/v1/register", "/register/feed.atom", "/units", "/units/P.STP",
          "/dashboard", "/dashboard/units/P.STP", "/procedures"]
STAFF = ["/staff/items", "/staff/inbox", "/register"]
API = ["/api/v1/items", "/api/v1/register"]


@contextlib.contextmanager
def counted():
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def queries(client, url: str, headers=None) -> int:
    assert client.get(url, headers=headers).status_code == 200, url  # once before: what is loaded once per process
    with client.application.app_context(), counted() as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return len(statements)


def add_items(client, head, count: int, start: int) -> None:
    for number in range(start, start + count):
        filed = file_item(client, title=f"Hồ sơ số {number} bị chậm so với phiếu hẹn", publish=True, contact={})
        if number % 2:
            act(client, head, filed["code"], "respond", body=ANSWER)


def all_counts(client) -> dict[str, int]:
    head = bearer(client, "head@example.vn")  # signing out below ends the account's tokens
    counts = {f"public {url}": queries(client, url) for url in PUBLIC}
    counts.update({f"api {url}": queries(client, url, head) for url in API})
    login(client, "head@example.vn")
    counts.update({f"staff {url}": queries(client, url) for url in STAFF})
    client.post("/logout")
    return counts


def test_list_pages_make_as_many_queries_for_twelve_rows_as_for_two(app, client, people):
    head = bearer(client, "head@example.vn")
    add_items(client, head, 2, 0)
    few = all_counts(client)
    add_items(client, bearer(client, "head@example.vn"), 10, 2)
    many = all_counts(client)
    grew = {url: (few[url], many[url]) for url in few if many[url] != few[url]}
    assert not grew, f"queries that grow with the rows (few, many): {grew}"
    assert all(count > 0 for count in many.values())  # the counter sees the page's queries
