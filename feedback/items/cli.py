"""`flask audit verify`: the check of the items' event log, chained by hashes (feedback.items.audit)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from feedback.items import audit
from feedback.extensions import db
from feedback.items.models import Item


@click.group("audit")
def audit_command():
    """The audit log (the items' event log)."""


@audit_command.command("verify")
@with_appcontext
def audit_verify_command():
    """Check the hash chain of the whole log; name the first row that breaks it (exit status 1)."""
    verdict = audit.verify()
    if verdict.broken is not None:
        broken = verdict.broken
        code = db.session.scalar(select(Item.code).where(Item.id == broken.item_id))
        raise click.ClickException(f"the audit log is broken at row {broken.id} (item {code}): {broken.reason}. "
                                   f"The {verdict.rows - 1} rows before it are intact.")
    click.echo(f"{verdict.rows} rows of the audit log checked: the chain is intact. Last hash: {verdict.last_hash}")
