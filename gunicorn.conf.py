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
max_requests = 5000
max_requests_jitter = 500
accesslog = "-" if os.environ.get("GRIDMAP_ACCESS_LOG") else None
