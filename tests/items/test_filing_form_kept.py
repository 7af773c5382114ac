"""The fields of a new filing form are rendered once per language, kind and version of the units;
each visitor still gets a one-time submission token and a CSRF token of their own."""

from __future__ import annotations

import re

from tests.helpers import post_form

from .conftest import count


def tokens(html: str) -> tuple[str, str]:
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    submission = re.search(r'name="submission" type="hidden" value="([^"]+)"', html)
    assert csrf and submission
    return csrf.group(1), submission.group(1)


def test_each_visitor_gets_tokens_of_their_own_and_each_files_once(staff, make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    first, second = app.test_client(), app.test_client()
    seen = [tokens(visitor.get("/file").get_data(as_text=True)) for visitor in (first, second, first)]
    assert len({csrf for csrf, _submission in seen[:2]}) == 2, "two visitors, two CSRF tokens"
    assert len({submission for _csrf, submission in seen}) == 3, "a one-time token per page"
    for visitor, (csrf, submission) in ((second, seen[1]), (first, seen[2])):
        response = post_form(visitor, token=submission, csrf_token=csrf)
        assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    # A visitor's CSRF token is no good in another visitor's session.
    refused = post_form(second, token=tokens(first.get("/file").get_data(as_text=True))[1], csrf_token=seen[0][0])
    assert refused.status_code == 400 or 'class="error-summary"' in refused.get_data(as_text=True)
    from feedback.items.models import Item

    assert count(app, Item) == 2


def test_the_kept_fields_follow_the_language_and_the_kind(client, staff):
    vietnamese = client.get("/file").get_data(as_text=True)
    english = client.get("/file?lang=en").get_data(as_text=True)
    assert "— Tôi không rõ —" in vietnamese and "— I do not know —" not in vietnamese
    assert "— I do not know —" in english and "— Tôi không rõ —" not in english
    petition = client.get("/file?kind=petition&lang=en").get_data(as_text=True)
    assert re.search(r'<input checked id="kind-\d" name="kind" type="radio" value="petition">', petition)
    assert re.search(r'<input checked id="kind-\d" name="kind" type="radio" value="complaint">', english)
