"""The register's search index on SQLite: an FTS5 table with the trigram tokenizer over the folded
public text (``register_entries.search_text``), kept up to date by triggers, so that a substring
search ("thu tuc dat dai") reads the index instead of scanning every row. PostgreSQL has its trigram
GIN index on the column itself (pg_trgm) and needs nothing of this.

The index narrows the rows; the LIKE conditions of services.search still decide, so that the
results are the same with or without it (words shorter than three characters, which trigrams cannot
find, are matched by LIKE alone).
"""

from __future__ import annotations

from sqlalchemy import text

TABLE = "register_entries_fts"  # "_fts": autogenerate leaves it alone (feedback/__init__.py)
MIN_WORD = 3  # a trigram index finds substrings of three characters or more

# The table and its triggers are made by the migration 3c809095bc00 (SQLite only).


def match_expression(words: list[str]) -> str | None:
    """The FTS5 query for the words a trigram index can find (each a quoted string: any operator or
    quote in it is just text); None when none can be."""
    usable = [word for word in words if len(word) >= MIN_WORD]
    if not usable:
        return None
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in usable)


_available: dict[str, bool] = {}


def available(session) -> bool:
    """Whether this database has the index (SQLite, migrated); asked once per database and process."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    key = str(getattr(bind, "engine", bind).url)  # a session may be bound to an engine or a connection
    if key not in _available:
        _available[key] = session.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": TABLE}).first() is not None
    return _available[key]


def matching_ids(expression: str):
    """The rowids (item ids) whose folded text holds every word of ``expression``, as a subquery."""
    # The table's name is this module's constant; the words are a bound parameter.
    return text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :expression").bindparams(  # nosec B608
        expression=expression)
