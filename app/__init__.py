"""gridmap: grid-based community governance on Flask + PostGIS."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: defaults, then environment, then ``config``."""
    from app import cli, errors, readdb
    from app.config import Defaults, database_url_from_env
    from app.extensions import api, db, migrate
    from app.jsonprovider import StrictJSONProvider

    app = Flask(__name__)
    app.json_provider_class = StrictJSONProvider
    app.json = StrictJSONProvider(app)
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("GRIDMAP")
    if url := database_url_from_env():
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        # A per-process key: fine until sessions exist (issue 3 makes it a required setting).
        app.config["SECRET_KEY"] = secrets.token_hex(32)

    db.init_app(app)
    readdb.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    api.init_app(app)
    errors.init_app(app)

    from app.api import buildings, communities, grids, health, lookup

    app.register_blueprint(health.bp)
    for module in (lookup, communities, grids, buildings):
        api.register_blueprint(module.blp)
    cli.init_app(app)
    return app


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
