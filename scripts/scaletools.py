#!/usr/bin/env python3
"""A streaming standby, a PgBouncer and a Redis in directories of their own (standard
library only), for the scaling tests (tests/scale) and their benchmark (bench/bench_scale.py).

Each is the real server from Debian's packages (scripts/ensure-scale-tools.sh installs
them), started the way scripts/pgcluster.py starts the primary: as the PostgreSQL user
when we are root (PostgreSQL and PgBouncer refuse to run as root), on 127.0.0.1 and a
free port, with no service registered. Every ``start_*`` returns what ``stop`` needs.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pgcluster

PGBOUNCER = os.environ.get("GRIDMAP_PGBOUNCER", "/usr/sbin/pgbouncer")
REDIS_SERVER = os.environ.get("GRIDMAP_REDIS_SERVER", "/usr/bin/redis-server")


def wait_port(port: int, seconds: float = 30.0) -> None:
    """Until something accepts connections on 127.0.0.1:``port``."""
    end = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > end:
                raise TimeoutError(f"nothing answers on port {port} after {seconds} s") from None
            time.sleep(0.05)


def _own_dir(prefix: str) -> Path:
    """A new private directory the PostgreSQL user (when we are root) owns."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if owner := pgcluster._owner():
        os.chown(path, *owner)
    os.chmod(path, 0o700)
    return path


# -- streaming standby ---------------------------------------------------------------------

def start_standby(primary_port: int, datadir: Path | None = None) -> tuple[int, Path]:
    """A hot standby of the cluster on ``primary_port`` (``pg_basebackup -R``: streaming
    replication from the primary), started on a free port; (port, datadir)."""
    datadir = datadir or _own_dir("gridmap-standby-")
    pgcluster._pg("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary_port),
                  "-U", pgcluster.SUPERUSER, "-D", str(datadir), "-R", "-X", "stream",
                  "--checkpoint=fast", "--no-sync")
    port = pgcluster.free_port()
    conf = datadir / "postgresql.auto.conf"  # later lines win: the standby's own port
    pgcluster._write_as_owner(conf, conf.read_text() + (
        f"port = {port}\nunix_socket_directories = '{datadir}'\nshared_buffers = 128MB\n"
        "hot_standby_feedback = on\n"))
    start_server(datadir)
    return port, datadir


def start_server(datadir: Path) -> None:
    """Start the (already made) cluster in ``datadir`` and wait for it."""
    pgcluster._pg("pg_ctl", "-D", str(datadir), "-l", str(datadir / "server.log"),
                  "-w", "-t", "60", "start")
    wait_port(pgcluster.port_of(datadir))


def stop_server(datadir: Path) -> None:
    pgcluster.stop(datadir)


# -- PgBouncer -----------------------------------------------------------------------------

@dataclass
class Pooler:
    port: int
    directory: Path

    def url(self, db: str, *, unix: bool = False) -> str:
        """The pooler's URL for ``db``: by TCP on 127.0.0.1, or (``unix``) by its socket
        in ``directory`` (cheaper: no TCP stack on either side)."""
        if unix:
            return (f"postgresql://{pgcluster.SUPERUSER}@/{db}"
                    f"?host={self.directory}&port={self.port}")
        return pgcluster.url(self.port, db)


def socket_dir(db_port: int) -> str:
    """The unix socket directory of the cluster on ``db_port`` (its first), asked with psql."""
    out = subprocess.run(
        [str(pgcluster.bindir() / "psql"), "-h", "127.0.0.1", "-p", str(db_port), "-U",
         pgcluster.SUPERUSER, "-d", "postgres", "-XAtc", "SHOW unix_socket_directories"],
        capture_output=True, text=True, check=True)
    return out.stdout.split(",")[0].strip()


def start_pgbouncer(db_port: int, *, pool_size: int = 20, round_robin: bool = False) -> Pooler:
    """PgBouncer in transaction pooling mode in front of the cluster on ``db_port`` (every
    database; the superuser through auth_type=trust, as the cluster itself trusts),
    configured as docs/scaling.md tells an operator: it listens on 127.0.0.1 and on a
    unix socket in its directory (:meth:`Pooler.url`), reaches PostgreSQL by the
    cluster's unix socket (PgBouncer beside the database), logs no connection or
    disconnection, and resets nothing between clients (transaction mode: nothing of a
    session survives a transaction to reset).
    ``round_robin``: each transaction on the next server connection (tests: what one
    connection remembers between transactions is then sure to be missed)."""
    directory = _own_dir("gridmap-pgbouncer-")
    port = pgcluster.free_port()
    user = pgcluster.SUPERUSER
    files = {
        "userlist.txt": f'"{user}" ""\n',
        "pgbouncer.ini": "\n".join([
            "[databases]", f"* = host={socket_dir(db_port)} port={db_port}", "",
            "[pgbouncer]", "listen_addr = 127.0.0.1", f"listen_port = {port}",
            f"unix_socket_dir = {directory}", "auth_type = trust",
            f"auth_file = {directory / 'userlist.txt'}", "pool_mode = transaction",
            "max_client_conn = 500", f"default_pool_size = {pool_size}",
            f"server_round_robin = {int(round_robin)}", "server_reset_query =",
            "log_connections = 0", "log_disconnections = 0",
            f"admin_users = {user}", f"logfile = {directory / 'pgbouncer.log'}",
            f"pidfile = {directory / 'pgbouncer.pid'}", ""]),
    }
    for name, text in files.items():
        pgcluster._write_as_owner(directory / name, text)
    argv = [*pgcluster._run_as(), PGBOUNCER, "-d", str(directory / "pgbouncer.ini")]
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"pgbouncer did not start: {out.stderr.strip() or out.stdout.strip()}")
    wait_port(port)
    return Pooler(port, directory)


def pooler_pid(pooler: Pooler) -> int:
    return int((pooler.directory / "pgbouncer.pid").read_text().strip())


def stop_pgbouncer(pooler: Pooler) -> None:
    pidfile = pooler.directory / "pgbouncer.pid"
    if pidfile.exists():
        pid = int(pidfile.read_text().strip())
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
    shutil.rmtree(pooler.directory, ignore_errors=True)


# -- Redis ---------------------------------------------------------------------------------

@dataclass
class Redis:
    port: int
    process: subprocess.Popen
    directory: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def start_redis(port: int | None = None) -> Redis:
    """A Redis that keeps nothing on disk, on ``port`` (a free one when None: give the
    port of one stopped to start it again where its clients look)."""
    directory = Path(tempfile.mkdtemp(prefix="gridmap-redis-"))
    port = port or pgcluster.free_port()
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return Redis(port, process, directory)


def stop_redis(redis: Redis) -> None:
    redis.process.terminate()
    redis.process.wait(timeout=10)
    shutil.rmtree(redis.directory, ignore_errors=True)
