"""Links to a page with the query values it was asked with: never a name that ``url_for`` keeps
for itself (``endpoint``, ``_method``, ``_external``…) nor one that the link sets (a route's own
variables), whatever a visitor puts in the query string."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import request, url_for


def query_values(args: Mapping | None = None, drop: Iterable[str] = ()) -> dict[str, str]:
    """The query's values (the request's unless ``args``) that may be passed on to ``url_for``."""
    args = request.args if args is None else args
    dropped = set(drop)
    return {name: value for name, value in args.items()
            if name not in dropped and name not in ("endpoint", "values") and not name.startswith("_")}


def url_with_query(endpoint: str, query: Mapping, **values) -> str:
    """``url_for(endpoint, **values)`` carrying the other values of ``query`` along."""
    return url_for(endpoint, **{**query_values(query, drop=values), **values})
