"""Checking attachments by their content, not their name: PDF, images and office documents.

Hostile files cost little: the type is read from the first bytes; an archive (office documents) is
judged by the sizes its directory declares before any of it is inflated, and only a few bytes of
one entry are ever inflated; an image's size in pixels is read from its header before it is
decoded. Images are stored again without their metadata (GPS position, camera, time): only the
orientation, which says which way is up, stays.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import warnings
import zipfile
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import format_decimal
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

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

# What an office document may declare inside: real ones hold tens of entries of a few MB at most,
# compressed 5 to 30 times. Bombs declare gigabytes, compressed a thousand times.
ARCHIVE_MAX_ENTRIES = 5_000
ARCHIVE_MAX_BYTES = 200 * 1024 * 1024
ARCHIVE_MAX_RATIO = 200
ARCHIVE_RATIO_FROM = 1024 * 1024  # smaller entries may be as repetitive as they like
MIMETYPE_MAX = 100  # bytes of an ODF file's "mimetype" entry ever inflated
IMAGE_MAX_PIXELS = 25_000_000  # twice a phone's usual 12 megapixels; FEEDBACK_ATTACHMENT_MAX_PIXELS
PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}
ORIENTATION = 0x0112  # the EXIF tag that says how to turn the picture


class Refused(ValueError):
    """A file refused for what it holds; the message is for the filer."""


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
                return _office_kind(archive)
        except Refused:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError, RuntimeError,
                NotImplementedError, ValueError):
            return None
    return None


def check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse an archive whose directory declares too many entries, too many bytes, or an entry
    compressed like a bomb; nothing is inflated to decide."""
    entries = archive.infolist()
    if len(entries) > ARCHIVE_MAX_ENTRIES:
        raise Refused(_("the archive holds too many files."))
    for entry in entries:
        if entry.file_size > ARCHIVE_RATIO_FROM and entry.file_size > ARCHIVE_MAX_RATIO * max(entry.compress_size, 1):
            raise Refused(_("it is compressed more than any real document (a “zip bomb”)."))
    if sum(entry.file_size for entry in entries) > ARCHIVE_MAX_BYTES:
        raise Refused(_("once unpacked it would be larger than %(size)s MB.", size=ARCHIVE_MAX_BYTES // 2**20))


def _office_kind(archive: zipfile.ZipFile) -> str | None:
    check_archive(archive)
    names = set(archive.namelist())
    for kind, part in OOXML_PARTS.items():
        if part in names and "[Content_Types].xml" in names:
            return kind
    if "mimetype" in names:
        # A few bytes inflated at most, whatever the entry declares.
        with archive.open("mimetype") as entry:
            mimetype = entry.read(MIMETYPE_MAX).strip()
        for kind, expected in ODF_TYPES.items():
            if mimetype == expected:
                return kind
    return None


def _max_pixels() -> int:
    if has_app_context():
        return current_app.config.get("ATTACHMENT_MAX_PIXELS") or IMAGE_MAX_PIXELS
    return IMAGE_MAX_PIXELS


def without_metadata(data: bytes, kind: str, max_pixels: int | None = None) -> bytes:
    """The image stored again without metadata (EXIF but its orientation, so GPS position and
    camera; XMP; comments).

    Its size in pixels (every frame) is read from the header first: an image larger than
    ``max_pixels`` (a decompression bomb, or more than any photo needs) is refused before it is
    decoded. One image at a time is decoded in a process, so that its threads together never hold
    more than one image's pixels."""
    max_pixels = max_pixels or _max_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]])
            frames = getattr(image, "n_frames", 1)
            if image.width * image.height * frames > max_pixels:
                raise Refused(_too_many_pixels(max_pixels))
            with _DECODING:
                return _stored_again(image, kind, frames)
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused(_too_many_pixels(max_pixels)) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise Refused(_("the image cannot be read.")) from None


_DECODING = threading.Lock()


def _stored_again(image: Image.Image, kind: str, frames: int) -> bytes:
    image.load()
    if kind == "gif":
        # GIF carries no EXIF; its comment and application blocks are left out by saving it again.
        return _saved(image, "GIF", save_all=frames > 1, comment=b"")
    # Of the EXIF data only the orientation stays (turning the pixels instead would hold the
    # image twice in memory); colour profiles stay too: neither says anything of a person.
    orientation = image.getexif().get(ORIENTATION)
    kept = Image.Exif()
    if orientation in range(2, 9):
        kept[ORIENTATION] = orientation
    options = {"exif": kept.tobytes() if kept else b""}
    if "icc_profile" in image.info:
        options["icc_profile"] = image.info["icc_profile"]
    if frames > 1:
        return _saved(image, PILLOW_FORMATS[kind], save_all=True, **options)
    if kind == "jpeg":
        options["quality"] = "keep"  # the same quantization tables: no visible loss
    if kind == "webp":
        options.update(lossless=bool(image.info.get("lossless")), quality=90)
    return _saved(image, PILLOW_FORMATS[kind], **options)


def _too_many_pixels(max_pixels: int) -> str:
    number = format_decimal(max_pixels) if has_app_context() else f"{max_pixels:,}"
    return _("the image has more than %(n)s pixels.", n=number)


def _saved(image: Image.Image, format_name: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format_name, **options)
    return out.getvalue()


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
    try:
        kind = sniff(data)
        if kind != EXTENSIONS[extension]:
            return None, _("%(name)s is not the kind of file its name says (.%(extension)s).", name=name,
                           extension=extension)
        if kind in PILLOW_FORMATS:
            data = without_metadata(data, kind)
    except Refused as refused:
        return None, _("%(name)s was refused: %(reason)s", name=name, reason=str(refused))
    return CheckedFile(name, CONTENT_TYPES[kind], data), None


def read_uploads(uploads, max_bytes: int) -> list[CheckedFile | tuple[str, bytes]]:
    """The files a form received (werkzeug's FileStorage), each read up to one byte past the limit
    and checked at once: a view calls this before it touches the database, so that decoding an
    image never holds a database lock. A refused file comes back as (name, bytes): the service
    refuses it again, with its message, next to the other fields' problems."""
    found = []
    for upload in uploads or ():
        if not upload or not upload.filename:
            continue
        data = upload.stream.read(max_bytes + 1)
        checked, problem = check_file(upload.filename, data, max_bytes)
        found.append(checked if problem is None else (upload.filename, data))
    return found


def check_files(files: list[CheckedFile | tuple[str, bytes]], max_bytes: int) -> tuple[list[CheckedFile], str | None]:
    """Check each (name, content): the files that passed, and every problem in one message (or
    None). Files checked already (:func:`read_uploads`) pass as they are."""
    passed, problems = [], []
    for entry in files:
        if isinstance(entry, CheckedFile):
            passed.append(entry)
            continue
        filename, data = entry
        checked, problem = check_file(filename, data, max_bytes)
        if problem:
            problems.append(problem)
        else:
            passed.append(checked)
    return passed, " ".join(problems) or None
