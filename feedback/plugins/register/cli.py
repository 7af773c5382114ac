"""flask register ...: maintenance of the public register."""

from __future__ import annotations

import click
from flask.cli import AppGroup

register = AppGroup("register", help="The public register.")


@register.command("reindex")
def reindex_command():
    """Rebuild the register's rows of every item (after an upgrade or a change of policy plugins)."""
    from feedback.plugins.register.services import reindex_batch
    from feedback.transaction import run

    # A batch per transaction, so that a large register is rebuilt without one huge transaction.
    count, last_id = 0, 0
    while last_id is not None:
        done, last_id = run(lambda: reindex_batch(last_id))
        count += done
    click.echo(f"{count} items in the register")
