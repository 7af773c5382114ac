"""The register's search index on SQLite: an FTS5 table with the trigram tokenizer over the folded
public text (``register_entries.search_text``), kept up to date by triggers, so that a substring
search ("thu tuc dat dai") reads the index instead of scanning every row. PostgreSQL has its trigram
GIN index on the column itself (pg_trgm) and needs nothing of this.

For a word of three characters or more, the index finds exactly the rows whose folded text holds
it (a trigram query of a quoted string is a substring match), so that services.search reads no other
row; words shorter than three characters, which trigrams cannot find, are matched with LIKE among
those rows, or alone. The results are the same as PostgreSQL's LIKEs.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_app_context
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


# How services.search finds a page of matches (SQLite's planner cannot tell how many rows a MATCH
# finds, and the best way differs by a hundred times between a rare word and a common one):
MATCHES = "matches"  # few matches: read them all by id, sort them, keep a page
ORDERED = "ordered"  # more: walk the register in the page's order, keep the rows among the matches
SCAN = "scan"  # a large share of the register: walk it in order and test each row's text (LIKE)
RARE = 2000  # at most this many matches are read by id
DENSE = 0.05  # from this share of the register on, a page is found sooner by reading rows in order
# A word found in more rows than this ("thu", in every "thực hiện" of the answers) costs the index
# more than it narrows: when rarer words are searched with it, it is matched with LIKE among their rows.
COMMON = 10_000


WINDOW = 20_000  # the newest rows, in which the density of common words is measured


@dataclass(frozen=True)
class Plan:
    way: str  # MATCHES, ORDERED or SCAN
    # Rows the index finds for ``expression``, counted up to the bound that chose the way (None: not
    # counted, the newest rows showed that the words are everywhere).
    matches: int | None
    expression: str  # the FTS5 query of the words the index looks for
    checked: tuple[str, ...]  # the words matched with LIKE among them: too short, or too common

    @property
    def exact(self) -> bool:
        """Whether ``matches`` counts the search's matches (up to its bound)."""
        return self.matches is not None and not self.checked


COUNT_SQL = (f"SELECT COUNT(*) FROM (SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :expression "  # nosec B608  # TABLE is this module's constant
             "AND rowid > :after LIMIT :bound)")


def _count(session, expression: str, bound: int, after: int = 0) -> int:
    """Rows of the index (with an id above ``after``) that match ``expression``, counted up to ``bound``."""
    return session.scalar(text(COUNT_SQL), {"expression": expression, "bound": bound, "after": after})


def plan(session, words: list[str]) -> Plan | None:
    """How to find a page of the rows holding every word, from rows counted in the index alone (no
    row of the register is read, and no word is counted past COMMON, WINDOW or the density bound),
    once per request; None when the index can find none of the words."""
    if match_expression(words) is None:
        return None
    cache = g.setdefault("register_search_plans", {}) if has_app_context() else {}
    key = tuple(words)
    if key not in cache:
        cache[key] = _plan(session, words)
    return cache[key]


def _plan(session, words: list[str]) -> Plan:
    usable = list(dict.fromkeys(word for word in words if len(word) >= MIN_WORD))
    short = tuple(word for word in words if len(word) < MIN_WORD)
    # Item ids are the register's rowids: the largest is read from the end of its b-tree.
    size = session.scalar(text("SELECT MAX(rowid) FROM register_entries")) or 0
    bound = max(RARE, int(size * DENSE))
    rare = [word for word in usable if _count(session, match_expression([word]), COMMON) < COMMON]
    if rare:
        # The rare words narrow the rows; the common ones are checked among them.
        expression = match_expression(rare)
        found = _count(session, expression, bound)
        way = MATCHES if found < RARE else (SCAN if found >= bound else ORDERED)
        return Plan(way, found, expression, short + tuple(word for word in usable if word not in rare))
    # Every word is common: together they may still be rare. Among the newest rows (the first pages),
    # how many hold them all?
    expression = match_expression(usable)
    span = max(1, min(WINDOW, size))
    if _count(session, expression, span, after=size - span) >= span * DENSE:
        return Plan(SCAN, None, expression, short)
    found = _count(session, expression, bound)
    way = MATCHES if found < RARE else (SCAN if found >= bound else ORDERED)
    return Plan(way, found, expression, short)


def matching_ids(expression: str):
    """The rowids (item ids) whose folded text holds every word of ``expression``, as a subquery."""
    # The table's name is this module's constant; the words are a bound parameter.
    return text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :expression").bindparams(  # nosec B608
        expression=expression)
