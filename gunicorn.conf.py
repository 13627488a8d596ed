"""gunicorn settings for `make run` (override any with GUNICORN_CMD_ARGS)."""

import multiprocessing
import os

workers = int(os.environ.get("GRIDMAP_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GRIDMAP_THREADS", 4))
# Longer than the database statement_timeout (15 s), so the database gives up first.
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycling workers drops clients' keep-alive connections (seen as latency spikes); with
# the application preloaded and its heap frozen there is little to gain, so it is off
# unless GRIDMAP_MAX_REQUESTS asks for it.
max_requests = int(os.environ.get("GRIDMAP_MAX_REQUESTS", 0))
max_requests_jitter = max_requests // 10
# Import the application once in the master: a recycled worker is a cheap fork, not a
# second import of geopandas & co. (which stalled requests for a second or more).
preload_app = True


def on_starting(server):
    """With GRIDMAP_ENV=production, refuse settings that fail open (memory:// limits and
    several workers, a weak secret key, HTTPS without PROXY_FIX_HOPS, a superuser role)."""
    app = server.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # not gridmap (the benchmark's bare app)
    from app.security.production import refuse_unsafe

    refuse_unsafe(app, workers=server.cfg.workers, tls_here=server.cfg.is_ssl)


def post_fork(server, worker):
    """Database connections must never cross fork(): start each worker with an empty pool."""
    app = server.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # not gridmap (the benchmark's bare app): nothing pooled
    from app.extensions import db
    from app.plumbing import readdb

    with app.app_context():
        db.engine.dispose(close=False)
    readdb.dispose(app)
    if app.config.get("IMPORT_JOBS_THREAD"):  # the import jobs' runner (app.jobs)
        from app.jobs import start_thread

        start_thread(app)
# gunicorn's own access log would write request paths raw: the application writes one
# JSON line per request instead when GRIDMAP_ACCESS_LOG is set (app.security.logs).
accesslog = None


def when_ready(server):
    """Move everything imported so far out of the garbage collector's sight: with
    geopandas & co. loaded, a full collection otherwise walks millions of long-lived
    objects and stalls a request for hundreds of milliseconds."""
    import gc

    gc.collect()
    gc.freeze()
