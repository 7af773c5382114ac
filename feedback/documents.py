"""The one door to PDFs: HTML rendered by WeasyPrint with a URL fetcher that serves only the
app's own static files, and the helpers of the state document format (Decree 30/2020/ND-CP).

WeasyPrint is imported here and nowhere else, and only when a PDF is made (it takes a second to
import), so that pages, commands and workers that make no PDF do not pay for it.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from importlib.resources import files
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from flask import Flask, render_template

log = logging.getLogger(__name__)

# Every document is rendered as if it lived at this address, so that "/static/…" in a template
# names one of our static files. The .invalid domain never resolves: nothing can be fetched there.
BASE_URL = "https://document.invalid/"
STATIC_PREFIX = "/static/"
# What a document may embed from feedback/static/: fonts, style sheets and images.
STATIC_TYPES = {
    ".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".svg": "image/svg+xml", ".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2",
}
# A data: URL longer than this (in characters, about 24 KB of image) is refused.
DATA_URL_MAX_CHARS = 32 * 1024


class Refused(Exception):
    """A document asked for something outside our static files."""


def static_file(url: str) -> tuple[bytes, str]:
    """The bytes and type of one of our static files, read from the package; Refused for any
    other URL (another scheme or host, a path that climbs out, a type we do not embed)."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        raise Refused(f"{parts.scheme or 'relative'} URL")
    path = unquote(parts.path)
    if not path.startswith(STATIC_PREFIX):
        raise Refused("not a static file")
    names = path[len(STATIC_PREFIX):].split("/")
    if any(name in ("", ".", "..") or "\\" in name or "\x00" in name for name in names):
        raise Refused("not a plain static path")
    kind = STATIC_TYPES.get(PurePosixPath(names[-1]).suffix.lower())
    if kind is None:
        raise Refused("a type documents do not embed")
    resource = files("feedback").joinpath("static", *names)
    if not resource.is_file():
        raise Refused("no such static file")
    return resource.read_bytes(), kind


def data_url_allowed(url: str) -> bool:
    return len(url) <= DATA_URL_MAX_CHARS


def _not_refused(record: logging.LogRecord) -> bool:
    """Drop WeasyPrint's own report of what we refused: it quotes the whole URL (a path, an
    address, a huge data: URL), where our warning names only the kind of URL."""
    return not any(isinstance(arg, Exception) and str(arg).startswith(f"{Refused.__name__}: ")
                   for arg in (record.args if isinstance(record.args, tuple) else ()))


@functools.cache
def _fetcher_class():
    from weasyprint import LOGGER
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    LOGGER.addFilter(_not_refused)

    class StaticFilesOnly(URLFetcher):
        """Serves our static files and small data: URLs; refuses file:, http(s): and the rest.

        ``refused`` lists what was refused (scheme and reason only: a URL may carry personal data).
        """

        def __init__(self):
            # Should a URL ever reach urllib, only data: is allowed, and redirects are not followed.
            super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            try:
                if url[:5].lower() == "data:":
                    if not data_url_allowed(url):
                        raise Refused(f"data: URL of {len(url)} characters")
                    return super().fetch(url, headers)
                body, kind = static_file(url)
            except Refused as refusal:
                self.refused.append(str(refusal))
                log.warning("a document asked for a resource that was refused: %s", refusal)
                raise
            return URLFetcherResponse(url, body, {"Content-Type": kind})

    return StaticFilesOnly


def static_files_only():
    """A new WeasyPrint URL fetcher that serves only our static files (see ``static_file``)."""
    return _fetcher_class()()


def html_to_pdf(html: str, fetcher=None) -> bytes:
    """A PDF of ``html``; relative URLs resolve against our static files, nothing else is fetched."""
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher or static_files_only()).write_pdf()


def render_pdf(template: str, **context) -> bytes:
    """Render a Jinja template (one that extends ``documents/layout.html``) to a PDF."""
    return html_to_pdf(render_template(template, **context))


# --- the state document format (Decree 30/2020/ND-CP, Appendix I) ---------------------------


def state_date(day: dt.date) -> str:
    """The date as a state document writes it: "ngày 05 tháng 02 năm 2027", "ngày 15 tháng 3 năm 2027".

    A leading zero goes on days below 10 and on months 1 and 2 only.
    """
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def date_line(place: str, day: dt.date) -> str:
    """The place and date line under the national motto: "Quảng Ninh, ngày 05 tháng 02 năm 2027"."""
    return f"{place}, {state_date(day)}"


def signature_lines(title: str, *, collective: str | None = None, deputy_of: str | None = None,
                    acting: bool = False) -> list[str]:
    """The lines above the signature, in capitals, for a signer whose own title is ``title``.

    ``collective``: the head signs for a collective body ("TM. ỦY BAN NHÂN DÂN");
    ``deputy_of``: a deputy signs for the head whose title this is ("KT. GIÁM ĐỐC" over "PHÓ GIÁM ĐỐC");
    ``acting``: an acting head signs ("Q. GIÁM ĐỐC").
    """
    if deputy_of and acting:
        raise ValueError("a signer is either a deputy (KT.) or an acting head (Q.), not both")
    lines = [f"TM. {collective.upper()}"] if collective else []
    if deputy_of:
        lines += [f"KT. {deputy_of.upper()}", title.upper()]
    elif acting:
        lines.append(f"Q. {title.upper()}")
    else:
        lines.append(title.upper())
    return lines


def recipient_lines(recipients: Sequence[str], archive: Sequence[str] = ("VT",)) -> list[str]:
    """The "Nơi nhận:" list: one line per recipient, ending with where the copy is kept ("- Lưu: VT.")."""
    return [f"- {name};" for name in recipients] + [f"- Lưu: {', '.join(archive)}."]


def init_app(app: Flask) -> None:
    """The state document helpers, for the macros of ``documents/state.html``."""
    app.jinja_env.globals.update(state_date=state_date, date_line=date_line, signature_lines=signature_lines,
                                 recipient_lines=recipient_lines)


def place_name(unit) -> str:
    """The locality written before the date: the province at the root of ``unit``'s tree ("Quảng Ninh")."""
    root = unit
    for ancestor in unit.ancestors():
        root = ancestor
    name = root.name
    for marker in ("tỉnh ", "thành phố ", "Tỉnh ", "Thành phố "):
        if marker in name:
            return name.split(marker, 1)[1].strip()
    return name
