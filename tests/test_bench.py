"""The benchmark suite runs end to end at its tiny scale, so that it cannot rot: every scenario
answers as it should under load (no error answer, no broken connection), on both backends. No
speed is asserted here: figures are read in bench/README.md, as ratios to the ceiling."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.helpers import ROOT

SCENARIOS = {"filing page", "filing POST (CSRF, new item)", "register, first page", "register, deep page (90%)",
             "register, search without diacritics", "register, an item", "unit page", "dashboard (province)",
             "dashboard of a unit", "answering the survey (API POST)"}


@pytest.fixture
def empty_database(backend, database_urls, tmp_path):
    """A new empty database of ``backend`` (the suite's own is migrated and shared)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path}/bench.db"
        return
    url = make_url(database_urls["postgresql"])
    name = f"bench_{secrets.token_hex(4)}"
    server = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_the_suite_runs_end_to_end_at_the_tiny_scale(backend, empty_database, tmp_path):
    figures = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "bench/suite.py", "--backend", backend, "--scale", "tiny", "--duration", "1",
         "--connections", "4", "--workers", "1", "--threads", "2", "--pdf-runs", "1" if backend == "sqlite" else "0", "--rounds", "1",
         "--database-url", empty_database, "--json", str(figures)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONWARNINGS": "error"})
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
    # The seeding wrote the tiny province, and the pages read it.
    assert report["rows"] > 20_000
    assert report["register_entries"] >= 2_000
    if backend == "sqlite":  # the minutes are rendered from their own SQLite database: once is enough
        assert report["minutes_pdf"]["pages"] >= 2
        assert "minutes PDF of 40 questions" in done.stdout
    assert report["peak_rss_mb"] > 0
    # What a reader of the run sees: every scenario, its ratio and its targets.
    for name in SCENARIOS:
        assert name in done.stdout
