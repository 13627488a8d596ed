"""Refuse to serve in production with settings that fail open.

``gunicorn.conf.py`` calls ``refuse_unsafe`` before the workers start (it knows how many
there will be); with ``GRIDMAP_ENV=production`` every problem found stops the start with
a message naming what to set. Development starts are not checked. The command line
(``flask db upgrade`` and co.) is not checked either: migrations may need a stronger
database role than the server should have.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import text


class UnsafeSettings(SystemExit):
    """The start is refused; the message lists every problem and what to set."""


def problems(config: Mapping[str, Any], *, workers: int, tls_here: bool,
             superuser: bool) -> list[str]:
    """What is unsafe in these settings for a production server, each with its remedy."""
    found = []
    if len(config.get("SECRET_KEY") or "") < 32:
        found.append("GRIDMAP_SECRET_KEY is missing or shorter than 32 characters: set it "
                     "to a long random value, the same on every machine "
                     "(python -c 'import secrets; print(secrets.token_hex(32))')")
    if str(config["RATELIMIT_STORAGE_URI"]).startswith("memory://") and workers > 1:
        found.append(f"rate limits are counted in memory:// by each of {workers} workers, "
                     "which multiplies every budget: set GRIDMAP_RATELIMIT_STORAGE_URI to "
                     "a shared store (redis://host:6379) or run one worker")
    https = (str(config.get("PUBLIC_BASE_URL") or "").startswith("https://")
             or bool(config.get("SESSION_COOKIE_SECURE")))
    if https and not tls_here and not int(config["PROXY_FIX_HOPS"]):
        found.append("HTTPS is expected (PUBLIC_BASE_URL or SESSION_COOKIE_SECURE) but no "
                     "proxy is trusted: set GRIDMAP_PROXY_FIX_HOPS to the number of "
                     "reverse proxies in front, or cookies lose Secure, HSTS is not sent "
                     "and every client shares one rate-limit budget")
    if superuser:
        found.append("the database role is a superuser: serve with a role that owns or "
                     "may use the tables but is not SUPERUSER (DATABASE_URL), and run "
                     "migrations with the stronger one (docs/operations.md)")
    return found


def is_superuser(app: Flask) -> bool:
    from app.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")))


def refuse_unsafe(app: Flask, *, workers: int, tls_here: bool = False) -> None:
    """Raise ``UnsafeSettings`` (the process exits with the message) when a production
    server would start with unsafe settings; does nothing outside production."""
    if app.config["ENV"] != "production":
        return
    found = problems(app.config, workers=workers, tls_here=tls_here,
                     superuser=is_superuser(app))
    if found:
        lines = "\n".join(f"  - {problem}" for problem in found)
        raise UnsafeSettings(f"gridmap refuses to start with GRIDMAP_ENV=production:\n{lines}")
