"""gridmap: grid-based community governance on Flask + PostGIS.

``create_app`` builds the application in named steps, each a ``register_*`` function
below: settings, extensions, security, the JSON API, the standard interfaces (OGC API –
Features, Open311), the pages, the command line, and the WSGI layers. Nothing reads
settings or opens a connection at import time.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: defaults, then environment, then ``config``."""
    app = Flask(__name__, static_folder=str(_ROOT / "static"))
    register_settings(app, config)
    register_extensions(app)
    register_i18n(app)
    register_errors(app)
    register_security(app)
    register_api(app)
    register_standards(app)
    register_pages(app)
    register_cli(app)
    register_wsgi_layers(app)
    return app


def register_settings(app: Flask, config: Mapping[str, Any] | None) -> None:
    """Defaults, then ``GRIDMAP_*`` and ``DATABASE_URL`` from the environment, then ``config``."""
    from app.config import Defaults, database_url_from_env

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


def register_extensions(app: Flask) -> None:
    """Strict JSON, the database (and its read engine), migrations."""
    from app.extensions import db, migrate
    from app.plumbing import dbsettings, readdb
    from app.plumbing.jsonprovider import StrictJSONProvider

    app.json_provider_class = StrictJSONProvider
    app.json = StrictJSONProvider(app)
    # the session settings, and no pre-ping behind a pooler (dbsettings)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dbsettings.engine_options(app.config)
    db.init_app(app)
    if app.config["DATABASE_POOLED"]:  # PgBouncer, transaction mode: no SQL-level PREPARE
        with app.app_context():
            dbsettings.mark_pooled(db.engine)
    readdb.init_app(app)
    migrate.init_app(app, db, directory=str(_ROOT / "migrations"))


def register_i18n(app: Flask) -> None:
    """Flask-Babel: gettext catalogs and the language of each request."""
    from app.web import i18n

    i18n.init_app(app)


def register_errors(app: Flask) -> None:
    """JSON errors for the API, HTML error pages for pages."""
    from app import errors

    errors.init_app(app)


def register_security(app: Flask) -> None:
    """Request logs, security headers and sessions, NUL bytes refused, rate limits,
    sign-in and tokens."""
    from app.security import auth, headers, inputs, limits, logs

    logs.init_app(app)  # request ids and JSON log lines, with every response
    headers.init_app(app)
    inputs.init_app(app)
    limits.init_app(app)
    auth.init_app(app)


def register_api(app: Flask) -> None:
    """The JSON API under ``/api/v1``: its OpenAPI document and its blueprints."""
    from app import api

    api.init_app(app)


def register_standards(app: Flask) -> None:
    """OGC API – Features under ``/ogc`` and Open311 GeoReport v2 under ``/open311/v2``."""
    from app import ogc, open311

    app.register_blueprint(ogc.bp)
    app.register_blueprint(open311.bp)


def register_pages(app: Flask) -> None:
    """Server-rendered pages: sign-in, administration, maps, the consoles."""
    from app import web

    web.init_app(app)


def register_cli(app: Flask) -> None:
    """``flask --app wsgi ...`` command groups."""
    from app import cli

    cli.init_app(app)


def register_wsgi_layers(app: Flask) -> None:
    """The lookup's short path below Flask, then ProxyFix outermost."""
    from app.api.places import fastlookup
    from app.security import headers

    fastlookup.install(app)
    headers.proxy_fix(app)
