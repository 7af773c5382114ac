"""Where uploaded files and generated PDFs keep their bytes: the database (default) or a folder.

A column of type ``StoredBytes`` reads and writes bytes like ``LargeBinary``. With
``STORAGE_FOLDER`` set, the bytes go to a file named after their SHA-256 in that folder (shared by
every machine that runs the app, e.g. over NFS), and the column keeps only a reference, so app
processes keep nothing of their own on disk. Rows written before the folder was set keep their
bytes and stay readable; rows that hold a reference need the folder to be read.

Files are written before the row that refers to them, and never changed: a file whose
transaction rolled back is left behind unreferenced, which costs space and nothing else.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app, has_app_context
from sqlalchemy import LargeBinary
from sqlalchemy.types import TypeDecorator

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
        return current_storage().put(bytes(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        value = bytes(value)
        if not value.startswith(REFERENCE):
            return value
        if not has_app_context():
            raise StorageError("a stored file is read outside the application")
        return current_storage().get(value)
