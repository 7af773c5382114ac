"""Where uploaded files and generated PDFs keep their bytes: the database (default) or a folder.

A column of type ``StoredBytes`` reads and writes bytes like ``LargeBinary``. With
``STORAGE_FOLDER`` set, the bytes go to a file named after their SHA-256 in that folder (shared by
every machine that runs the app, e.g. over NFS), and the column keeps only a reference, so app
processes keep nothing of their own on disk. Rows written before the folder was set keep their
bytes and stay readable; rows that hold a reference need the folder to be read.

Files are written before the row that refers to them, and never changed. One file serves every row
with the same bytes, so a file goes only when no row refers to it any more:

- When a row that refers to a file is deleted, or its column changed (through the ORM or a bulk
  statement), the file is noted; once the transaction has committed, a second short transaction
  removes each noted file that no row refers to (:func:`remove_unreferenced`). Nothing is removed
  before the commit, so a transaction that rolls back loses no file it still refers to.
- A writer and a remover of the same file take their turns: on PostgreSQL the writer holds a shared
  advisory lock on the file's digest from before it looks for the file until it commits, and the
  remover tries the exclusive lock (a file it cannot lock at once is left for later, so a remover
  never waits nor deadlocks); on SQLite both hold the database's write lock (``BEGIN IMMEDIATE``).
  A file about to be referenced again is therefore never removed under its new row.
- What is left over (a transaction that rolled back after writing its file, a process that died
  between its commit and the removal) is found by ``flask storage prune``
  (:func:`orphaned_files`), which removes files that no row refers to once they are older than a
  grace period, so that an upload in flight is never taken for an orphan.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flask import current_app, has_app_context
from sqlalchemy import LargeBinary, event, func, inspect, select, text, type_coerce
from sqlalchemy.orm import Mapper, Session, object_session
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)

# No file we store starts with a NUL byte (uploads are checked by content: PDF, images, office
# documents), so a column value with this prefix is a reference, anything else the bytes themselves.
REFERENCE = b"\x00feedback-file:sha256:"


class StorageError(RuntimeError):
    """A stored file cannot be written or read; the message says which and why."""


class Storage(Protocol):
    def put(self, data: bytes) -> bytes:
        """Keep ``data``; return what the column stores."""

    def get(self, stored: bytes) -> bytes:
        """The bytes for what the column stores."""


class DatabaseStorage:
    """Today's behaviour: the bytes live in the row."""

    def put(self, data: bytes) -> bytes:
        return data

    def get(self, stored: bytes) -> bytes:
        if stored.startswith(REFERENCE):
            raise StorageError("a file kept in a storage folder is read, but FEEDBACK_STORAGE_FOLDER is not set")
        return stored


class FolderStorage:
    """Content-addressed files: <folder>/ab/cd/abcd…(64 hex digits)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def path(self, digest: str) -> Path:
        return self.folder / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> bytes:
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(digest)
        if not path.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Written whole under a temporary name, then renamed: a reader never sees half a file.
                handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
            except OSError as error:
                raise StorageError(f"a file cannot be written in {self.folder}: {error.strerror}") from error
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, path)
            except BaseException as error:
                Path(temporary).unlink(missing_ok=True)
                if isinstance(error, OSError):  # a full disk, a lost share: the row is not written either
                    raise StorageError(f"a file cannot be written in {self.folder}: {error.strerror}") from error
                raise
        return REFERENCE + digest.encode()

    def get(self, stored: bytes) -> bytes:
        if not stored.startswith(REFERENCE):
            return stored  # written before the folder was set
        digest = stored[len(REFERENCE):].decode()
        try:
            return self.path(digest).read_bytes()
        except OSError as error:
            raise StorageError(f"stored file {digest} cannot be read from {self.folder}: {error.strerror}") from error


def current_storage() -> Storage:
    folder = current_app.config.get("STORAGE_FOLDER")
    return FolderStorage(folder) if folder else DatabaseStorage()


class StoredBytes(TypeDecorator):
    """Bytes kept where the app's storage says; stored in the database as LargeBinary."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or not has_app_context():
            return value
        storage = current_storage()
        value = bytes(value)
        if isinstance(storage, FolderStorage) and dialect.name == "postgresql" and not value.startswith(REFERENCE):
            # Held until this transaction ends, so that no remover takes the file from under the row.
            from feedback.extensions import db

            db.session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"),
                               {"key": lock_key(hashlib.sha256(value).hexdigest())})
        return storage.put(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        value = bytes(value)
        if not value.startswith(REFERENCE):
            return value
        if not has_app_context():
            raise StorageError("a stored file is read outside the application")
        return current_storage().get(value)


# --- removing files no row refers to ---------------------------------------------------------------

# A reference is short; the bytes themselves (kept in the database) are not: a column value longer
# than this is never a reference, and is not read when references are looked for.
REFERENCE_MAX = len(REFERENCE) + 64
NOTED = "feedback.storage.released"  # Session.info key: the digests the transaction let go of
DIGEST = re.compile(r"[0-9a-f]{64}")
CHUNK = 500


def lock_key(digest: str) -> int:
    """The PostgreSQL advisory lock of a file: 60 bits of its digest (a bigint)."""
    return int(digest[:15], 16)


def digest_of(stored: bytes | None) -> str | None:
    """The digest a column value refers to, or None when it holds the bytes themselves."""
    if stored is None:
        return None
    stored = bytes(stored)
    if not stored.startswith(REFERENCE):
        return None
    digest = stored[len(REFERENCE):].decode("ascii", "replace")
    return digest if DIGEST.fullmatch(digest) else None


def stored_columns() -> list:
    """Every column of every table that keeps its bytes where the storage says."""
    from feedback.extensions import db

    return [column for table in db.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, StoredBytes)]


def _raw(column):
    """The column as the database holds it (a reference, not the file it refers to)."""
    return type_coerce(column, LargeBinary)


def _note(session: Session | None, values: Iterable) -> None:
    if session is None:
        return
    digests = {digest for value in values if (digest := digest_of(value))}
    if digests:
        session.info.setdefault(NOTED, set()).update(digests)


def _columns_of(mapper) -> list:
    """The mapper's columns whose files may go: none while no storage folder is set (the bytes are
    in the rows, and a reference left from an earlier folder cannot be acted on)."""
    if not has_app_context() or not current_app.config.get("STORAGE_FOLDER"):
        return []
    table = getattr(mapper, "local_table", None)
    return [column for column in getattr(table, "columns", ()) if isinstance(column.type, StoredBytes)]


@event.listens_for(Mapper, "before_delete")
def _deleting_row(mapper, connection, target) -> None:
    columns = _columns_of(mapper)
    if not columns:
        return
    _note_stored(mapper, connection, target, columns)


def _note_stored(mapper, connection, target, columns) -> None:
    """Note the files that ``target``'s row refers to in ``columns``, as the database holds them."""
    where = [column == value for column, value in zip(mapper.primary_key, mapper.primary_key_from_instance(target),
                                                      strict=True)]
    for column in columns:
        _note(object_session(target), connection.execute(
            select(_raw(column)).where(*where, func.length(column) <= REFERENCE_MAX)).scalars())


@event.listens_for(Mapper, "before_update")
def _updating_row(mapper, connection, target) -> None:
    columns = _columns_of(mapper)
    if not columns:
        return
    state = inspect(target)
    changed = [column for column in columns
               if (prop := mapper.get_property_by_column(column)) and state.attrs[prop.key].history.has_changes()]
    if changed:
        _note_stored(mapper, connection, target, changed)


def _sets(statement, column) -> bool:
    """Whether an UPDATE statement sets ``column`` (when it cannot be told, assume it does)."""
    values = getattr(statement, "_values", None)
    if values is None:
        return True
    return any(getattr(key, "key", key) in (column.key, column.name) for key in values)


@event.listens_for(Session, "do_orm_execute")
def _bulk_changes(state) -> None:
    """Bulk DELETE and UPDATE statements bypass the mapper events: note what their rows refer to first."""
    if not (state.is_delete or state.is_update):
        return
    statement = state.statement
    for mapper in state.all_mappers:
        for column in _columns_of(mapper):
            if state.is_update and not _sets(statement, column):
                continue
            query = select(_raw(column)).where(func.length(column) <= REFERENCE_MAX)
            if statement.whereclause is not None:
                query = query.where(statement.whereclause)
            _note(state.session, state.session.execute(query).scalars())


@event.listens_for(Session, "after_commit")
def _remove_after_commit(session: Session) -> None:
    digests = session.info.pop(NOTED, None)
    if not digests or not has_app_context() or not current_app.config.get("STORAGE_FOLDER"):
        return
    try:
        remove_unreferenced(digests)
    except Exception:  # noqa: BLE001 - the commit stands; `flask storage prune` removes what is left
        logger.warning("%d stored files let go of could not be removed now; `flask storage prune` will",
                       len(digests), exc_info=True)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(NOTED, None)


def referenced(session: Session, digests: Iterable[str]) -> set[str]:
    """Which of ``digests`` some row refers to."""
    digests = sorted(set(digests))
    found = set()
    for start in range(0, len(digests), CHUNK):
        references = [REFERENCE + digest.encode() for digest in digests[start:start + CHUNK]]
        for column in stored_columns():
            found.update(digest_of(value) for value in
                         session.execute(select(_raw(column)).where(_raw(column).in_(references))).scalars())
    return found


def remove_unreferenced(digests: Iterable[str], older_than: float | None = None) -> list[str]:
    """Remove the files of ``digests`` that no row refers to (and, with ``older_than``, a time
    stamp, that were last written before it), in a transaction of their own that takes each file's
    turn (see the module's docstring); returns the digests removed."""
    from feedback.extensions import db

    storage = current_storage()
    if not isinstance(storage, FolderStorage):
        return []
    removed: list[str] = []
    session = db.session.session_factory()
    try:
        # On SQLite, the write lock: no writer is between its file and its commit meanwhile.
        connection = session.connection(execution_options={"feedback_write_lock": True})
        postgresql = connection.dialect.name == "postgresql"
        for start in range(0, len(ordered := sorted(set(digests))), CHUNK):
            chunk = ordered[start:start + CHUNK]
            if postgresql:
                chunk = [digest for digest in chunk if session.scalar(
                    text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(digest)})]
            for digest in sorted(set(chunk) - referenced(session, chunk)):
                path = storage.path(digest)
                try:
                    if older_than is not None and path.stat().st_mtime >= older_than:
                        continue
                    path.unlink()
                except FileNotFoundError:
                    continue
                removed.append(digest)
                for folder in (path.parent, path.parent.parent):
                    try:
                        folder.rmdir()  # only when empty
                    except OSError:
                        break
        session.commit()
    finally:
        session.close()
    return removed


@dataclass(frozen=True)
class StoredFile:
    """A file of the storage folder: its path, its size, and its digest (None for a leftover of a
    write that never finished)."""

    path: Path
    size: int
    modified: float
    digest: str | None


def _files(folder: Path) -> Iterator[StoredFile]:
    for path in sorted(folder.glob("??/??/*")):
        try:
            status = path.stat()
        except FileNotFoundError:
            continue
        if not path.is_file():
            continue
        if DIGEST.fullmatch(path.name) and path.parent.parent.name + path.parent.name == path.name[:4]:
            yield StoredFile(path, status.st_size, status.st_mtime, path.name)
        elif path.name.startswith(".incoming-"):
            yield StoredFile(path, status.st_size, status.st_mtime, None)


def orphaned_files(grace: dt.timedelta) -> Iterator[StoredFile]:
    """The files of the storage folder that no row refers to, written more than ``grace`` ago."""
    from feedback.extensions import db

    storage = current_storage()
    if not isinstance(storage, FolderStorage):
        return
    cutoff = time.time() - grace.total_seconds()
    old = [file for file in _files(storage.folder) if file.modified < cutoff]
    for start in range(0, len(old), CHUNK):
        chunk = old[start:start + CHUNK]
        known = referenced(db.session, [file.digest for file in chunk if file.digest])
        yield from (file for file in chunk if file.digest not in known)


def prune(grace: dt.timedelta, dry_run: bool = False) -> tuple[list[StoredFile], list[StoredFile]]:
    """Remove the orphaned files (:func:`orphaned_files`); returns (removed, kept after all: a row
    came to refer to it, or it was written again meanwhile). With ``dry_run``, only lists them."""
    from feedback.extensions import db

    found = list(orphaned_files(grace))
    # The look-up's transaction ends here: on SQLite it holds the write lock, which the removal's
    # own transaction takes next.
    db.session.rollback()
    if dry_run:
        return found, []
    cutoff = time.time() - grace.total_seconds()
    removed_digests = set(remove_unreferenced([file.digest for file in found if file.digest], older_than=cutoff))
    removed, kept = [], []
    for file in found:
        if file.digest is None:  # a write that never finished: no row can refer to it
            file.path.unlink(missing_ok=True)
            removed.append(file)
        else:
            (removed if file.digest in removed_digests else kept).append(file)
    return removed, kept
