"""``flask --app wsgi assign``."""

import click


@click.command("assign")
def assign():
    raise click.ClickException("not implemented yet")
