"""Static and supply-chain audits in the test command: bandit over the code finds nothing that is
not explained where it stands (``# nosec Bnnn`` with the reason); the dependency audit
(``scripts/audit-dependencies``, pip-audit) fails on a known vulnerability and when it cannot run."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading

from tests.helpers import ROOT


def test_bandit_finds_nothing_in_the_code():
    result = subprocess.run([sys.executable, "-m", "bandit", "-r", "feedback", "-f", "json", "-q"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    report = json.loads(result.stdout)
    assert report["metrics"]["_totals"]["loc"] > 10_000, "bandit read the package"
    found = [f"{issue['filename']}:{issue['line_number']} {issue['test_id']} {issue['issue_text']}"
             for issue in report["results"]]
    assert not found and result.returncode == 0, "bandit:\n" + "\n".join(found) + result.stderr[-2000:]



class _Database(http.server.BaseHTTPRequestHandler):
    """An OSV-compatible vulnerability database on loopback (OSV itself is out of this machine's reach):
    one advisory against Flask when ``vulnerable`` is set."""

    vulnerable = False

    def do_POST(self):  # noqa: N802 - the name http.server calls
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = {}
        if self.vulnerable and query["package"]["name"] == "flask":
            answer = {"vulns": [{"id": "GHSA-test-flask", "summary": "A planted advisory", "affected": [
                {"package": {"name": "flask", "ecosystem": "PyPI"},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "999.0"}]}]}]}]}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _audit(url: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / "audit-dependencies")], cwd=ROOT, capture_output=True, text=True,
                          timeout=900, env={**os.environ, "OSV_URL": url})


def test_the_dependency_audit_fails_on_a_known_vulnerability_and_when_it_cannot_run():
    handler = type("Database", (_Database,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    try:
        clean = _audit(url)
        assert clean.returncode == 0 and "No known vulnerabilities found" in clean.stdout + clean.stderr, clean.stderr
        handler.vulnerable = True
        found = _audit(url)
        assert found.returncode == 1, found.stderr
        assert "GHSA-test-flask" in found.stdout and "Found 1 known vulnerability" in found.stderr
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)
    # The database out of reach (the port is closed now): the audit says so and fails.
    unreachable = _audit(url)
    assert unreachable.returncode != 0 and "The audit could not run" in unreachable.stderr
