"""flask register ...: maintenance of the public register."""

from __future__ import annotations

import click
from flask.cli import AppGroup

register = AppGroup("register", help="The public register.")


@register.command("reindex")
def reindex_command():
    """Rebuild the register's rows of every item (after an upgrade or a change of policy plugins)."""
    from feedback.plugins.register.services import reindex

    click.echo(f"{reindex()} items in the register")
