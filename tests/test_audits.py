"""Static and supply-chain audits in the test command: bandit over the code finds nothing that is
not explained where it stands (``# nosec Bnnn`` with the reason)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import ROOT


def test_bandit_finds_nothing_in_the_code():
    result = subprocess.run([sys.executable, "-m", "bandit", "-r", "feedback", "-f", "json", "-q"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    report = json.loads(result.stdout)
    assert report["metrics"]["_totals"]["loc"] > 10_000, "bandit read the package"
    found = [f"{issue['filename']}:{issue['line_number']} {issue['test_id']} {issue['issue_text']}"
             for issue in report["results"]]
    assert not found and result.returncode == 0, "bandit:\n" + "\n".join(found) + result.stderr[-2000:]

