"""What every answer carries: a strict Content-Security-Policy that the pages keep (nothing inline),
the other security headers, no-store on private answers, Secure cookies over HTTPS, links from
PUBLIC_BASE_URL whatever the Host header says, and a session cookie without secrets in clear."""

from __future__ import annotations

import json
import re
from collections import Counter, deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from feedback.security import CONTENT_SECURITY_POLICY
from tests.helpers import ROOT, form_data, post_form
from tests.security.matrix import MATRIX, ROLES
from tests.security.scene import EMAIL, NAME, PHONE, build_scene

STAFF_ROLES = ("officer", "officer_other", "head", "admin")


class Inline(HTMLParser):
    """Finds what a strict CSP blocks in a page (inline styles and scripts, event handlers,
    javascript: links) and collects the links to follow."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.links: list[str] = []
        self._script_with_src = None

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
            elif name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            elif name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append("<style>")
        if tag == "script":
            self._script_with_src = bool(names.get("src"))
            if not names.get("src"):
                self.problems.append("<script> without src")
        if tag == "a" and names.get("href"):
            self.links.append(names["href"])

    def handle_data(self, data):
        if self._script_with_src and data.strip():
            self.problems.append("<script src> with inline code")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_with_src = None


def inline_problems(html: str) -> tuple[list[str], list[str]]:
    parser = Inline()
    parser.feed(html)
    return parser.problems, parser.links


def check_headers(response, where: str) -> list[str]:
    wrong = []
    expected = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
                "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
    for name, value in expected.items():
        if response.headers.get(name) != value:
            wrong.append(f"{where}: {name} is {response.headers.get(name)!r}")
    if "frame-ancestors 'none'" not in response.headers.get("Content-Security-Policy", ""):
        wrong.append(f"{where}: may be framed")
    if "Strict-Transport-Security" in response.headers:
        wrong.append(f"{where}: HSTS over plain HTTP")
    return wrong


def test_the_policy_allows_nothing_inline_and_nothing_from_elsewhere():
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    for value in directives.values():
        assert "unsafe" not in value and "*" not in value and "http" not in value
    assert "script-src" not in directives and "style-src" not in directives, "scripts and styles follow default-src"


def test_the_inline_finder_finds_what_csp_blocks():
    problems, links = inline_problems('<p style="color:red" onclick="x()">a</p><style>p{}</style><script>go()</script>'
                                      '<script src="/static/a.js"></script><a href="javascript:void(0)">b</a>'
                                      '<a href="/register">c</a><svg><rect style="fill:red"/></svg>')
    assert problems == ["<p style=…>", "<p onclick=…>", "<style>", "<script> without src",
                        "<a href=javascript:…>", "<rect style=…>"]
    assert links == ["javascript:void(0)", "/register"]


def test_no_template_holds_inline_style_or_script():
    """Templates that a crawl may not reach (an error, a rare state) are read as text too."""
    found = []
    pattern = re.compile(r"""<style|<script(?![^>]*\bsrc=)|\sstyle\s*=|\son[a-z]+\s*=\s*["']|javascript:""", re.I)
    for path in (ROOT / "feedback").rglob("templates/**/*.html"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not found, "\n".join(found)


# Crawled as each kind of visitor: at most this many addresses of one route, and pages in all.
PER_ROUTE, PAGES = 3, 400


@pytest.mark.parametrize("role", ("anonymous", "filer", "officer", "admin"))
def test_a_crawl_finds_nothing_inline_and_every_header_on_every_answer(app, client, people, savepoint, role):
    scene = build_scene(app, client)
    browser = scene.browser(app, role)
    start = [scene.path(app, row.rule) for row in MATRIX if row.method == "GET" and row.rule != "/static/<path:filename>"]
    queue, seen, per_route, wrong, pages = deque(start), set(), Counter(), [], 0
    while queue and pages < PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        adapter = app.url_map.bind("localhost")
        try:
            endpoint, _args = adapter.match(urlsplit(url).path, method="GET")
        except Exception:  # noqa: BLE001 - a link to an address the app does not serve is found below
            endpoint = url
        if per_route[endpoint] >= PER_ROUTE or endpoint in ("static", "auth.logout"):
            continue
        per_route[endpoint] += 1
        with savepoint():
            response = browser.get(url, headers=scene.headers(url, role))
            body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            response.close()
        pages += 1
        if response.status_code >= 500:
            wrong.append(f"{url}: {response.status_code}")
        wrong += check_headers(response, url)
        if role != "anonymous" and url.startswith(("/staff", "/admin", "/receipt", f"/track/{scene.code}/")) \
                and "no-store" not in response.headers.get("Cache-Control", ""):
            wrong.append(f"{url}: a private page without Cache-Control: no-store")
        if role in STAFF_ROLES and "no-store" not in response.headers.get("Cache-Control", ""):
            wrong.append(f"{url}: a page seen signed in without Cache-Control: no-store")
        problems, links = inline_problems(body)
        wrong += [f"{url}: {problem}" for problem in problems]
        for link in links:
            parts = urlsplit(link)
            if not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("/static/"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert pages > 40, f"the crawl reached only {pages} pages"
    assert not wrong, f"as {role}, on {pages} pages:\n  " + "\n  ".join(wrong[:40])


def test_every_answer_of_the_matrix_is_private_where_it_should_be(app, client, people, savepoint):
    """Each answer that holds the item's record, contact or key, and every answer to a signed-in
    member of staff or under /staff and /admin, says no-store; public answers to nobody in
    particular may be kept."""
    scene = build_scene(app, client)
    wrong = []
    for role in ROLES:
        for row in MATRIX:
            path = scene.path(app, row.rule)
            with savepoint():
                response = scene.browser(app, role).open(path, method=row.method, headers=scene.headers(path, role),
                                                         query_string=row.query, **({"json": {}} if row.json is not None
                                                                                    else {}))
                response.get_data()
                response.close()
            sees = role in row.record + row.contact + row.key
            private = (sees or role in STAFF_ROLES or path.startswith(("/staff/", "/admin/")) or row.method != "GET") \
                and not path.startswith("/static/")
            cache = response.headers.get("Cache-Control", "")
            if private and "no-store" not in cache:
                wrong.append(f"{role} {row.id}: {response.status_code} without no-store ({cache!r})")
            if row.rule == "/static/<path:filename>" and "no-store" in cache:
                wrong.append(f"{role} {row.id}: static files are not private")
    assert not wrong, "\n".join(wrong)


def test_hsts_and_secure_cookies_over_https_only(app, client, staff):
    plain = client.get("/login?lang=en")  # the choice of language is kept in the session
    assert "Strict-Transport-Security" not in plain.headers
    cookies = plain.headers.getlist("Set-Cookie")
    assert cookies and not any("Secure" in cookie for cookie in cookies)

    answer = app.test_client().get("/login?lang=en", base_url="https://localhost")
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    set_cookie = answer.headers.getlist("Set-Cookie")
    assert set_cookie and all("; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
                              for cookie in set_cookie)


def test_the_secure_setting_marks_cookies_secure_even_over_http(app, client, staff):
    app.config["SESSION_COOKIE_SECURE"] = True
    cookies = client.get("/login?lang=en").headers.getlist("Set-Cookie")
    assert cookies and all("; Secure" in cookie for cookie in cookies)


# --- links from PUBLIC_BASE_URL --------------------------------------------------------------------


def test_feeds_and_messages_link_to_the_public_address_whatever_the_host_header(app, client, people):
    app.config["PUBLIC_BASE_URL"] = "https://phananh.example.gov.vn"
    forged = "http://evil.example"  # the Host header a visitor sends
    build_scene(app, client)  # an answered item, in the feeds
    for path in ("/register/feed.atom", "/register/units/P.STP/feed.atom"):
        feed = client.get(path, base_url=forged)
        assert feed.status_code == 200
        text = feed.get_data(as_text=True)
        assert "evil.example" not in text
        assert f'href="https://phananh.example.gov.vn{path}"' in text
        assert "https://phananh.example.gov.vn/register/items/" in text
    filer = app.test_client()
    token = re.search(r'name="submission" type="hidden" value="([^"]+)"',
                      filer.get("/file", base_url=forged).get_data(as_text=True)).group(1)
    filed = filer.post("/file", base_url=forged, data=form_data(email="nguoi.gui@example.vn", consent="y", notify_email="y",
                                                                submission=token))
    assert filed.status_code == 302

    from feedback.extensions import db
    from feedback.plugins.notify.models import OutboxMessage

    with app.app_context():
        bodies = [m.body for m in db.session.query(OutboxMessage).all()]
    assert bodies and not any("evil.example" in body for body in bodies), bodies
    assert any("https://phananh.example.gov.vn/t/" in body for body in bodies), bodies


def test_no_code_builds_a_link_from_the_request():
    """Links built from the request follow its Host header; feedback.links.public_url does not."""
    pattern = re.compile(r"_external\s*=\s*True|request\.(host|host_url|url_root|base_url|root_url)\b|"
                         r"request\.url\b")
    found = []
    for path in (ROOT / "feedback").rglob("*"):
        if path.suffix in (".py", ".html", ".xml", ".txt") and path.is_file():
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not found, "\n".join(found)


# --- the session cookie -------------------------------------------------------------------------------


def decoded_session(app, client) -> dict:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


@pytest.mark.parametrize("kiosk", [False, True], ids=["web", "kiosk"])
def test_the_session_cookie_holds_no_access_key_and_no_personal_data(app, client, staff, kiosk):
    url = "/file?channel=kiosk" if kiosk else "/file"
    filed = post_form(client, url=url, name=NAME, phone=PHONE, email=EMAIL, consent="y")
    assert filed.status_code == 302
    code = filed.headers["Location"].rsplit("/", 1)[-1]
    stored = json.dumps(decoded_session(app, client), ensure_ascii=False)
    receipt = client.get(f"/receipt/{code}").get_data(as_text=True)
    key = re.findall(r'<dd class="code">([^<]+)</dd>', receipt)[1]
    assert key not in stored and key.replace("-", "") not in stored
    for personal in (NAME, PHONE, EMAIL):
        assert personal not in stored
    # The key opens the item, so it is really the one shown.
    other = app.test_client()
    assert other.post(f"/track/{code}", data={"key": key, "phone": ""}).status_code == 302


def test_a_receipt_sealed_under_another_secret_shows_no_key(app, client, staff):
    filed = post_form(client)
    code = filed.headers["Location"].rsplit("/", 1)[-1]
    with client.session_transaction() as session:
        session["receipts"][code]["key"] = "not a sealed value"
        session.modified = True
    answer = client.get(f"/receipt/{code}")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/track/{code}")


def test_nothing_in_the_package_keeps_a_secret_in_the_session_in_clear():
    """Whatever the session holds is signed, not encrypted: a secret goes through feedback.security.seal."""
    offenders = []
    for path in (ROOT / "feedback").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"session\[[^]]+\]\s*=|session\.setdefault\(", line) and \
                    re.search(r"access_key|password|token|secret", line, re.I) and "seal(" not in line:
                offenders.append(f"{Path(path).relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


# --- security.txt ---------------------------------------------------------------------------------


def test_security_txt_says_whom_to_tell(app, client):
    import datetime as dt

    assert client.get("/.well-known/security.txt").status_code == 404, "unset: nothing to say"
    app.config.update(SECURITY_CONTACT="baomat@stp.example.vn", PUBLIC_BASE_URL="https://phananh.example.vn")
    answer = client.get("/.well-known/security.txt", headers={"Host": "evil.example"})
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    fields = dict(line.split(": ", 1) for line in answer.get_data(as_text=True).splitlines())
    assert fields["Contact"] == "mailto:baomat@stp.example.vn"
    assert fields["Canonical"] == "https://phananh.example.vn/.well-known/security.txt"
    expires = dt.datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    assert dt.timedelta(days=300) < expires - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(days=366)
    app.config["SECURITY_CONTACT"] = "https://phananh.example.vn/lien-he-bao-mat"
    assert "Contact: https://phananh.example.vn/lien-he-bao-mat\n" in client.get("/.well-known/security.txt").text
