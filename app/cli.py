"""Command line: ``flask --app wsgi ...``. Thin Click wrappers over plain functions."""

from flask import Flask


def init_app(app: Flask) -> None:
    from app import cli_assign, cli_demo, cli_incidents, cli_layers, cli_stats, cli_users

    app.cli.add_command(cli_layers.layers)
    app.cli.add_command(cli_demo.demo)
    app.cli.add_command(cli_assign.assign)
    app.cli.add_command(cli_users.users)
    app.cli.add_command(cli_users.tokens)
    app.cli.add_command(cli_incidents.incidents)
    app.cli.add_command(cli_stats.stats)
