"""A third-party plugin: fills a slot of the home page and adds a command."""

import click

from feedback import hookimpl

CALLS = []


@hookimpl
def feedback_template_slot(name, context):
    if name == "home.after_intro":
        CALLS.append(name)
        return "<b>Sample plugin says xin chào</b>"
    return None


@hookimpl
def feedback_register_commands(cli, app):
    @cli.command("sample-hello")
    def sample_hello():
        click.echo("hello from the sample plugin")
