"""Checking attachments by their content, not their name: PDF, images and office documents."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _

# extension -> the kind of content it must have
EXTENSIONS = {
    "pdf": "pdf",
    "jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif", "webp": "webp",
    "docx": "docx", "xlsx": "xlsx", "pptx": "pptx",
    "doc": "ole", "xls": "ole", "ppt": "ole",
    "odt": "odt", "ods": "ods",
}
CONTENT_TYPES = {
    "pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ole": "application/octet-stream",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
OOXML_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
ODF_TYPES = {"odt": b"application/vnd.oasis.opendocument.text", "ods": b"application/vnd.oasis.opendocument.spreadsheet"}


@dataclass
class CheckedFile:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> str | None:
    """The kind of content, from its first bytes (and a zip's directory for office files)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                for kind, part in OOXML_PARTS.items():
                    if part in names and "[Content_Types].xml" in names:
                        return kind
                if "mimetype" in names:
                    mimetype = archive.read("mimetype").strip()
                    for kind, expected in ODF_TYPES.items():
                        if mimetype == expected:
                            return kind
        except (zipfile.BadZipFile, KeyError, OSError):
            return None
    return None


def safe_name(filename: str) -> str:
    """The file's own name without any folder, control characters or quotes."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    name = "".join(char for char in name if char.isprintable() and char not in '"<>|:*?')
    return name[:200] or "tep-dinh-kem"


def check_file(filename: str, data: bytes, max_bytes: int) -> tuple[CheckedFile | None, str | None]:
    """(the checked file, None) or (None, a message for the filer)."""
    name = safe_name(filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        return None, _("%(name)s: only PDF, images (JPG, PNG, GIF, WEBP) and office documents (DOC, DOCX, XLS, XLSX, "
                       "PPT, PPTX, ODT, ODS) are accepted.", name=name)
    if not data:
        return None, _("%(name)s is empty.", name=name)
    if len(data) > max_bytes:
        return None, _("%(name)s is larger than %(size)s MB.", name=name, size=max_bytes // (1024 * 1024))
    kind = sniff(data)
    if kind != EXTENSIONS[extension]:
        return None, _("%(name)s is not the kind of file its name says (.%(extension)s).", name=name, extension=extension)
    return CheckedFile(name, CONTENT_TYPES[kind], data), None


def check_files(files: list[tuple[str, bytes]], max_bytes: int) -> tuple[list[CheckedFile], str | None]:
    """Check each (name, content): the files that passed, and every problem in one message (or None)."""
    passed, problems = [], []
    for filename, data in files:
        checked, problem = check_file(filename, data, max_bytes)
        if problem:
            problems.append(problem)
        else:
            passed.append(checked)
    return passed, " ".join(problems) or None
