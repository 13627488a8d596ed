#!/usr/bin/env python3
"""A private PostgreSQL + PostGIS cluster in a directory (standard library only).

Used by ``make run`` (``var/pg``) and by the test suite (a temporary directory).
PostgreSQL refuses to run as root, so when we are root the server runs as the
unprivileged ``postgres`` system user (``GRIDMAP_PG_USER`` to change it); otherwise it
runs as whoever we are. Clients connect over TCP on 127.0.0.1 with trust auth, which is
fine for a cluster that listens on loopback only.

    python scripts/pgcluster.py start DATADIR [--port N] [--db NAME] [--fast]
    python scripts/pgcluster.py stop DATADIR
    python scripts/pgcluster.py url DATADIR [--db NAME]
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

SUPERUSER = "postgres"


class ClusterError(RuntimeError):
    pass


def bindir() -> Path:
    """Directory of the newest installed PostgreSQL server binaries."""
    if env := os.environ.get("GRIDMAP_PG_BINDIR"):
        return Path(env)
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*/bin/initdb")), key=lambda p: float(p.parts[-3]))
    if not versions:
        raise ClusterError("PostgreSQL server binaries not found under /usr/lib/postgresql; "
                           "run scripts/ensure-postgis.sh or install postgresql-15-postgis-3")
    return versions[-1].parent


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    user = os.environ.get("GRIDMAP_PG_USER", "postgres")
    try:
        pwd.getpwnam(user)
    except KeyError:
        raise ClusterError(f"running as root and there is no '{user}' user to run PostgreSQL; "
                           "install Debian's postgresql package or set GRIDMAP_PG_USER") from None
    return ["runuser", "-u", user, "--"]


def _owner() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam(os.environ.get("GRIDMAP_PG_USER", "postgres"))
    return entry.pw_uid, entry.pw_gid


def _pg(cmd: str, *args: str, check: bool = True, quiet: bool = False):
    argv = [*_run_as(), str(bindir() / cmd), *args]
    out = subprocess.run(argv, capture_output=True, text=True)
    if check and out.returncode != 0:
        detail = out.stderr.strip() or out.stdout.strip()
        raise ClusterError(f"{cmd} failed ({out.returncode}): {detail}")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings(port: int, datadir: Path, fast: bool) -> str:
    lines = [
        "listen_addresses = '127.0.0.1'",
        f"port = {port}",
        f"unix_socket_directories = '{datadir}'",
        "max_connections = 100",
        "shared_buffers = 512MB",
        "work_mem = 64MB",
        "maintenance_work_mem = 512MB",
        "effective_cache_size = 8GB",
        "random_page_cost = 1.1",
        "max_parallel_workers_per_gather = 2",
        "jit = off",
        "timezone = 'UTC'",
        "log_min_messages = warning",
    ]
    if fast:  # throw-away clusters (tests) only: a crash loses data and nobody cares
        lines += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
    return "\n".join(lines) + "\n"


def init(datadir: Path, port: int, fast: bool = False) -> None:
    datadir.mkdir(parents=True, exist_ok=True)
    if owner := _owner():
        os.chown(datadir, *owner)
    os.chmod(datadir, 0o700)
    reach = subprocess.run([*_run_as(), "test", "-w", str(datadir)], capture_output=True)
    if reach.returncode != 0:
        raise ClusterError(f"the PostgreSQL user cannot reach {datadir} (a parent folder is "
                           "private); check the project out where that user can read, "
                           "or set DATABASE_URL to an existing PostGIS")
    args = ["-D", str(datadir), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
    _pg("initdb", *args, *(["--no-sync"] if fast else []))
    conf = datadir / "postgresql.auto.conf"
    _write_as_owner(conf, conf.read_text() + _settings(port, datadir, fast))


def _write_as_owner(path: Path, text: str) -> None:
    path.write_text(text)
    if owner := _owner():
        os.chown(path, *owner)


def port_of(datadir: Path) -> int:
    for line in (datadir / "postgresql.auto.conf").read_text().splitlines():
        if line.startswith("port = "):
            return int(line.split("=")[1])
    raise ClusterError(f"no port configured in {datadir}")


def running(datadir: Path) -> bool:
    return _pg("pg_ctl", "-D", str(datadir), "status", check=False).returncode == 0


def start(datadir: Path, port: int | None = None, db: str = "gridmap", fast: bool = False) -> str:
    """Initialise (first time), start, and create ``db`` with PostGIS; return its URL."""
    datadir = datadir.resolve()
    if not (datadir / "PG_VERSION").exists():
        init(datadir, port or free_port(), fast=fast)
    if not running(datadir):
        _pg("pg_ctl", "-D", str(datadir), "-l", str(datadir / "server.log"), "-w", "-t", "60",
            "start")
    port = port_of(datadir)
    create_database(port, db)
    return url(port, db)


def create_database(port: int, db: str, template: str | None = None) -> None:
    psql = [str(bindir() / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER,
            "-v", "ON_ERROR_STOP=1", "-qtA"]
    for _ in range(50):
        probe = subprocess.run([*psql, "-d", "postgres", "-c", "SELECT 1"],
                               capture_output=True, text=True)
        if probe.returncode == 0:
            break
        time.sleep(0.1)
    exists = subprocess.run([*psql, "-d", "postgres", "-c",
                             f"SELECT 1 FROM pg_database WHERE datname = '{db}'"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if not exists:
        tmpl = f" TEMPLATE {template}" if template else ""
        subprocess.run([*psql, "-d", "postgres", "-c", f'CREATE DATABASE "{db}"{tmpl}'],
                       capture_output=True, text=True, check=True)
    out = subprocess.run([*psql, "-d", db, "-c", "CREATE EXTENSION IF NOT EXISTS postgis"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise ClusterError(f"cannot enable PostGIS in {db}: {out.stderr.strip()} "
                           "(install postgresql-15-postgis-3)")


def stop(datadir: Path) -> None:
    datadir = datadir.resolve()
    if (datadir / "PG_VERSION").exists() and running(datadir):
        _pg("pg_ctl", "-D", str(datadir), "-m", "fast", "-w", "stop")


def destroy(datadir: Path) -> None:
    stop(datadir)
    shutil.rmtree(datadir, ignore_errors=True)


def url(port: int, db: str = "gridmap") -> str:
    return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{port}/{db}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "url", "status"])
    parser.add_argument("datadir", type=Path)
    parser.add_argument("--port", type=int)
    parser.add_argument("--db", default="gridmap")
    parser.add_argument("--fast", action="store_true", help="fsync off (throw-away clusters)")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            print(start(args.datadir, args.port, args.db, args.fast))
        elif args.action == "stop":
            stop(args.datadir)
        elif args.action == "url":
            print(url(port_of(args.datadir.resolve()), args.db))
        else:
            print("running" if running(args.datadir.resolve()) else "stopped")
    except (ClusterError, subprocess.CalledProcessError) as err:
        detail = getattr(err, "stderr", "") or ""
        print(f"pgcluster: {err} {detail}".strip(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
