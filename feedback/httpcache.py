"""HTTP caching of public answers: an ETag (a digest of the body) on every public GET answer that is
whole in memory (pages, feeds, the minutes PDF, downloads that are not streamed), and 304 Not
Modified to a client that sends it back while the answer is unchanged.

A client (or nginx in front) revalidates each time (``Cache-Control: no-cache``): a public page may
change at any moment (an answer is published), so nothing is served from a cache without asking.
The page is still made, but a client that has it already does not download it again. Private
answers (staff, filers, anything sent with a credential: security.is_private) get no ETag.
"""

from __future__ import annotations

from flask import Flask, Response, request

from feedback.security import is_private


def conditional_answer(response: Response) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.is_streamed or response.direct_passthrough or "no-store" in response.headers.get("Cache-Control", ""):
        return response
    if is_private():
        return response
    if "ETag" not in response.headers:
        response.add_etag()
    response.headers.setdefault("Cache-Control", "no-cache")
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    # Registered before the security headers' hook, so that it runs after it (Flask runs them in
    # reverse order): a 304 carries the same headers as the page.
    app.after_request(conditional_answer)
