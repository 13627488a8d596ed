"""Command line: ``flask --app wsgi ...``. Thin Click wrappers over plain functions."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
