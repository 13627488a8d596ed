"""``flask --app wsgi demo``."""

import click


@click.command("demo")
def demo():
    raise click.ClickException("not implemented yet")
