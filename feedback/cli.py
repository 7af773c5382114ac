"""Core commands: `flask plugins`, `flask tick`, `flask worker` and `flask storage`, and the
commands' face of the transaction boundary (:func:`commit_or_fail`)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from feedback.hookspecs import hookimpl


def commit_or_fail(action):
    """The commands' face of the transaction boundary (:func:`feedback.transaction.run`): commit the
    service call, or roll it back and stop with its refusal, each field on a line."""
    from feedback.errors import ServiceError
    from feedback.transaction import run

    try:
        return run(action)
    except ServiceError as exc:
        lines = [str(exc.message)]
        for field, message in exc.fields.items():
            if isinstance(message, list):
                lines.extend(f"  {item}" for item in message)
            else:
                lines.append(f"  {field}: {message}")
        raise click.ClickException("\n".join(lines)) from exc


@click.command("plugins")
@with_appcontext
def plugins_command():
    """List the plugins loaded and the hooks each implements."""
    from feedback.pluginmanager import describe

    for row in describe(current_app.extensions["feedback.plugins"]):
        click.echo(f"{row['name']}  [{row['kind']}]  {row['module']}")
        for name in row["hooks"]:
            click.echo(f"    {name}")


@click.command("tick")
@with_appcontext
def tick_command():
    """Periodic work of every plugin: reminders, escalations, letters, sweeps. Run it from cron."""
    from feedback.jobs import run_pending
    from feedback.pluginmanager import run_tick

    for name, summary in run_tick():
        click.echo(f"{name}: {summary}")
    # Without Redis, the work tick handed to jobs (letters' PDFs, messages) is done before it ends.
    run_pending()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for tests and one-off runs).")
@click.option("--no-tick", is_flag=True, help="Do not schedule the periodic tick from this worker.")
@with_appcontext
def worker_command(burst, no_tick):
    """Run an RQ worker (with RQ's scheduler, for retries) for FEEDBACK_REDIS_URL; it queues tick too."""
    from rq import Worker

    from feedback.jobs import queue as jobs_queue, start_ticker

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("FEEDBACK_REDIS_URL is not set: without Redis, jobs run inline and no worker "
                                   "is needed.")
    queue = jobs_queue()
    stop = None if no_tick or burst else start_ticker(current_app._get_current_object(), queue)
    try:
        Worker([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)
    finally:
        if stop is not None:
            stop.set()


@click.group("storage")
def storage_command():
    """The storage folder of uploads and generated PDFs (FEEDBACK_STORAGE_FOLDER)."""


@storage_command.command("prune")
@click.option("--grace-hours", type=click.IntRange(min=1), default=24, show_default=True,
              help="Leave files written less than this long ago (an upload whose row is not committed yet).")
@click.option("--dry-run", is_flag=True, help="List the orphaned files, remove nothing.")
@with_appcontext
def storage_prune_command(grace_hours, dry_run):
    """List and remove the files of the storage folder that no row refers to any more."""
    import datetime as dt

    from feedback.storage import prune

    if not current_app.config.get("STORAGE_FOLDER"):
        raise click.ClickException("FEEDBACK_STORAGE_FOLDER is not set: files are kept in the database, and there is "
                                   "no folder to prune.")
    removed, kept = prune(dt.timedelta(hours=grace_hours), dry_run=dry_run)
    folder = current_app.config["STORAGE_FOLDER"]
    for file in removed:
        click.echo(f"{'orphaned' if dry_run else 'removed'}: {file.path.relative_to(folder)} ({file.size} bytes)")
    for file in kept:
        click.echo(f"kept (referenced again meanwhile): {file.path.relative_to(folder)}")
    size = sum(file.size for file in removed)
    if dry_run:
        click.echo(f"{len(removed)} orphaned files ({size} bytes) older than {grace_hours} h; nothing removed "
                   "(--dry-run).")
    else:
        click.echo(f"{len(removed)} orphaned files ({size} bytes) older than {grace_hours} h removed.")


@hookimpl
def feedback_register_commands(cli, app):
    cli.add_command(storage_command)
    cli.add_command(plugins_command)
    cli.add_command(tick_command)
    cli.add_command(worker_command)
