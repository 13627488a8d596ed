"""Command line: ``flask --app wsgi ...``. Thin Click wrappers over plain functions."""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.cli import (
        assign,
        boundaries,
        demo,
        field,
        incidents,
        jobs,
        layers,
        outbox,
        people,
        reports,
        stats,
        tokens,
        users,
    )

    app.cli.add_command(layers.layers)
    app.cli.add_command(demo.demo)
    app.cli.add_command(assign.assign)
    app.cli.add_command(users.users)
    app.cli.add_command(tokens.tokens)
    app.cli.add_command(incidents.incidents)
    app.cli.add_command(stats.stats)
    app.cli.add_command(boundaries.boundaries)
    app.cli.add_command(people.people)
    app.cli.add_command(jobs.jobs)
    app.cli.add_command(field.field)
    app.cli.add_command(outbox.outbox)
    app.cli.add_command(reports.reports)
