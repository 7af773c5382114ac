"""The benchmark suite runs end to end at its tiny scale, so that it cannot rot: every scenario
answers as it should under load (no error answer, no broken connection), on both backends. No
speed is asserted here: figures are read in bench/README.md, as ratios to the ceiling."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.helpers import ROOT

SCENARIOS = {"filing page", "filing POST (CSRF, new item)", "register, first page", "register, deep page (90%)",
             "register, search without diacritics", "register, an item", "unit page", "dashboard (province)",
             "dashboard of a unit", "answering the survey (API POST)"}


def bench(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "bench/suite.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONWARNINGS": "error"})


@pytest.fixture
def kept():
    """A folder for the kept database that PostgreSQL's user can reach when the tests run as root."""
    folder = Path(tempfile.mkdtemp(prefix="feedback-bench-kept-"))
    os.chmod(folder, 0o755)
    yield folder / "province"
    shutil.rmtree(folder, ignore_errors=True)


def test_the_suite_runs_end_to_end_at_the_tiny_scale(backend, kept, tmp_path):
    figures = tmp_path / "figures.json"
    # Seeded once and kept (as a province is, for several runs), then measured on the kept database.
    seeded = bench("--backend", backend, "--scale", "tiny", "--reuse", str(kept), "--seed-only")
    assert seeded.returncode == 0, seeded.stdout[-4000:] + seeded.stderr[-4000:]
    marker = json.loads((kept / "seeded.json").read_text())
    assert (marker["backend"], marker["scale"]) == (backend, "tiny")
    assert marker["rows"] > 20_000 and marker["head"]
    assert "wrk" not in seeded.stdout and "ceiling" not in seeded.stdout  # nothing measured
    done = bench("--backend", backend, "--scale", "tiny", "--duration", "1", "--connections", "4", "--workers", "1",
                 "--threads", "2", "--pdf-runs", "1" if backend == "sqlite" else "0", "--rounds", "1",
                 "--reuse", str(kept), "--json", str(figures))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    report = json.loads(figures.read_text())
    rows = {row["name"]: row for row in report["scenarios"]}
    assert SCENARIOS <= set(rows), sorted(rows)
    assert any(name.startswith("satisfaction results of the province") for name in rows), sorted(rows)
    for name, row in rows.items():
        assert row["requests"] > 0, name
        assert row["non2xx"] == 0 and row["socket"] == 0, (name, row)
    assert set(report["ceiling"]) == {"form page", "form POST (insert)", "list of 50 rows"}
    assert all(row["requests"] > 0 for row in report["ceiling"].values())
    # The seeding wrote the tiny province, and the pages read it; the second run seeded nothing.
    assert f"reusing {kept}" in done.stdout and f"seeded {marker['rows']:,} rows in" not in done.stdout
    assert report["rows"] == marker["rows"] and report["reused"] == str(kept)
    assert report["register_entries"] >= 2_000
    if backend == "sqlite":  # the minutes are rendered from their own SQLite database: once is enough
        assert report["minutes_pdf"]["pages"] >= 2
        assert "minutes PDF of 40 questions" in done.stdout
    assert report["peak_rss_mb"] > 0
    # What a reader of the run sees: every scenario, its ratio and its targets.
    for name in SCENARIOS:
        assert name in done.stdout


def test_a_kept_database_of_another_scale_or_an_unfinished_seeding_is_refused(tmp_path):
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "bench.db").write_bytes(b"")  # a seeding that broke off before its marker
    done = bench("--scale", "tiny", "--reuse", str(kept), "--seed-only", timeout=120)
    assert done.returncode != 0 and "without the marker of a finished seeding" in done.stderr
    (kept / "seeded.json").write_text(json.dumps({"backend": "sqlite", "scale": "tiny", "rows": 1}))
    done = bench("--scale", "province", "--reuse", str(kept), "--seed-only", timeout=120)
    assert done.returncode != 0 and "holds the tiny scale on sqlite, not the province scale" in done.stderr
    assert (kept / "bench.db").read_bytes() == b""  # nothing was written to it
    done = bench("--reuse", str(kept), "--database-url", "sqlite:///elsewhere.db", timeout=120)
    assert done.returncode != 0 and "--reuse keeps its own database" in done.stderr
