"""gridmap: grid-based community governance on Flask + PostGIS."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: defaults, then environment, then ``config``."""
    from app import auth, cli, errors, fastlookup, headers, limits, readdb, web
    from app.api.common import SECURITY_SCHEMES
    from app.config import Defaults, database_url_from_env
    from app.extensions import api, db, migrate
    from app.jsonprovider import StrictJSONProvider

    app = Flask(__name__, static_folder=str(_ROOT / "static"))
    app.json_provider_class = StrictJSONProvider
    app.json = StrictJSONProvider(app)
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("GRIDMAP")
    if url := database_url_from_env():
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV"] == "production":
            raise RuntimeError("GRIDMAP_SECRET_KEY must be set when GRIDMAP_ENV=production "
                               "(sessions and CSRF tokens are signed with it)")
        # Development: a per-process key (make run keeps one in var/secret-key instead).
        app.config["SECRET_KEY"] = secrets.token_hex(32)

    db.init_app(app)
    readdb.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    api.init_app(app)
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    errors.init_app(app)
    headers.init_app(app)
    limits.init_app(app)
    auth.init_app(app)

    from app.api import (
        audit,
        buildings,
        categories,
        communities,
        exports,
        geocode,
        grids,
        health,
        incident_import,
        incidents,
        lookup,
        mapdata,
        outlines,
        plan_auto,
        plan_buildings,
        plan_review,
        plan_shapes,
        plans,
        reports,
        stats,
    )

    app.register_blueprint(health.bp)
    for module in (lookup, geocode, communities, grids, buildings, incidents, incident_import,
                   categories, audit, exports, outlines, reports, plans, plan_review,
                   plan_buildings, plan_shapes, plan_auto, stats, mapdata):
        api.register_blueprint(module.blp)
    from app import ogc, open311

    app.register_blueprint(ogc.bp)
    app.register_blueprint(open311.bp)
    web.init_app(app)
    cli.init_app(app)
    fastlookup.install(app)
    headers.proxy_fix(app)
    return app


def _migrations_dir() -> str:
    return str(_ROOT / "migrations")
