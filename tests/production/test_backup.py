"""The README's backup procedure: pg_dump of a PostgreSQL database with items, pg_restore into a
fresh cluster (initdb and pg_ctl on a free loopback port), and every item is there."""

from __future__ import annotations

import datetime as dt
import subprocess
import uuid

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from feedback import create_app
from feedback.extensions import db
from feedback.items.models import Attachment, Item, ItemEvent
from tests.helpers import PDF, ThrowawayPostgres, base_config, pg_bin, post_form

pytestmark = pytest.mark.slow


def libpq(url: str) -> str:
    """The address as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def source(database_urls):
    """A migrated database of its own: on the suite's PostgreSQL, or on a cluster of its own."""
    cluster = None
    if "postgresql" in database_urls:
        server = make_url(database_urls["postgresql"])
    else:
        cluster = ThrowawayPostgres()
        server = make_url(cluster.start())
    name = f"backup_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
        if cluster is not None:
            cluster.stop()


def file_items(url: str, count: int) -> set[str]:
    from feedback.units.services import create_unit

    app = create_app(base_config(url))
    with app.app_context():
        upgrade()
        create_unit("P", "Ủy ban nhân dân tỉnh Thử nghiệm", "province", valid_from=dt.date(2025, 7, 1))
        db.session.commit()
    client = app.test_client()
    codes = set()
    for number in range(count):
        response = client.post("/api/v1/items", json={
            "kind": "petition" if number % 2 else "complaint", "topic": "procedure", "unit": "P",
            "title": f"Kiến nghị số {number}", "body": f"Nội dung kiến nghị số {number} về thủ tục đất đai.",
            "contact": {"name": "Phạm Văn Dũng", "phone": "0912345678"}, "consent": True})
        assert response.status_code == 201, response.get_json()
        codes.add(response.get_json()["code"])
    assert post_form(client, files=[("đơn.pdf", PDF)], unit="P").status_code == 302
    with app.app_context():
        codes = set(db.session.scalars(select(Item.code)))
        db.session.remove()
        db.engine.dispose()
    return codes


def test_a_dump_restored_into_a_fresh_cluster_has_every_item(source, tmp_path):
    codes = file_items(source, 40)
    assert len(codes) == 41
    dump = tmp_path / "feedback.dump"
    subprocess.run([pg_bin("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}", libpq(source)],
                   check=True, capture_output=True, timeout=300)
    assert dump.stat().st_size > 0

    fresh = ThrowawayPostgres()
    restored = fresh.start()  # an empty database in a new cluster on another free port
    try:
        subprocess.run([pg_bin("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={libpq(restored)}",
                        str(dump)], check=True, capture_output=True, timeout=300)
        app = create_app(base_config(restored))
        client = app.test_client()
        try:
            with app.app_context():
                assert set(db.session.scalars(select(Item.code))) == codes
                assert db.session.scalar(select(func.count(ItemEvent.id))) >= len(codes)
                assert [a.data for a in db.session.scalars(select(Attachment))] == [PDF]
                version = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
                script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
                assert [version] == script.get_heads()
                db.session.remove()
            for code in sorted(codes):
                assert client.get(f"/api/v1/items/{code}").status_code == 200
        finally:
            with app.app_context():
                db.engine.dispose()
    finally:
        fresh.stop()
