"""Keyset pagination with signed cursors, for every list that grows without bound.

A page is the rows after the last one shown, by (sort value, id): no OFFSET, so a deep page costs
what the first does. The cursor names its sort order and is signed with the app's secret, so that
a tampered or foreign cursor is refused with a clear message instead of reaching the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import literal, tuple_

from feedback.errors import Invalid
from feedback.extensions import db
from feedback.timeutil import UTCDateTime


@dataclass(frozen=True)
class Keyset:
    """How one list is ordered: its cursors' salt, the sort's name, the expressions to order by.

    ``sort_value`` is a datetime expression (a column, or a ``coalesce`` that puts missing
    values first or last); ``key`` reads the same value from a row (``missing`` when it is None).
    """

    salt: str
    sort: str
    sort_value: object
    id_column: object
    descending: bool
    key: str
    missing: dt.datetime

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=self.salt)

    def cursor_after(self, row) -> str:
        """The cursor of the page that follows ``row``."""
        value = getattr(row, self.key) or self.missing
        return self._serializer().dumps([self.sort, value.isoformat(), getattr(row, self.id_column.key)])

    def read(self, cursor: str) -> tuple[dt.datetime, int]:
        """(sort value, id) of the last row shown; Invalid for a cursor that is not ours or not of this sort."""
        try:
            sort, value, row_id = self._serializer().loads(cursor)
            value = dt.datetime.fromisoformat(value)
            if sort != self.sort or not isinstance(row_id, int) or value.tzinfo is None:
                raise ValueError(sort)
        except (BadSignature, ValueError, TypeError):
            raise Invalid(_("This page link is not valid; start again from the first page."),
                          {"cursor": _("Not a valid cursor.")}) from None
        return value, row_id

    def limited(self, query, cursor: str | None, limit: int):
        """``query`` restricted to the rows after ``cursor``, in order, at most ``limit + 1`` of them (the
        one more says whether there is a next page). It may select ids alone: see ``page``."""
        if cursor:
            last_value, last_id = self.read(cursor)
            # A row-value comparison, which both databases answer from a (sort value, id) index.
            key = tuple_(self.sort_value, self.id_column)
            last = tuple_(literal(last_value, UTCDateTime()), literal(last_id))
            query = query.where(key < last if self.descending else key > last)
        if self.descending:
            order = (self.sort_value.desc(), self.id_column.desc())
        else:
            order = (self.sort_value.asc(), self.id_column.asc())
        return query.order_by(*order).limit(limit + 1)

    def page(self, query, cursor: str | None, limit: int) -> tuple[list, str | None]:
        """The rows of ``query`` after ``cursor``, at most ``limit``, and the cursor of the next page.

        When the rows are costly to find (a search), choose the page's ids first with ``limited`` on a
        query of ids, and give the rows of those ids here without a cursor: then only the keyset's
        columns of the matches are read and sorted, and only a page of rows is read whole and joined.
        """
        rows = list(db.session.scalars(self.limited(query, cursor, limit)))
        next_cursor = self.cursor_after(rows[limit - 1]) if len(rows) > limit else None
        return rows[:limit], next_cursor
