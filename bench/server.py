"""Run TrustMart under a real application server, configured the way production runs it.

Benchmarks measure what users get, so the server is a real process (not Django's test client,
not ``runserver``): production settings (``DEBUG=0``, manifest static files, no test shortcuts),
the production application server and worker count, a database migrated from scratch in a
temporary data folder. ``DATABASE_URL`` and ``REDIS_URL`` pass through from the caller's
environment, so the same benchmark runs against the embedded SQLite/local-memory defaults or
against PostgreSQL/Redis. With ``DATABASE_URL`` on PostgreSQL each run gets a fresh sibling
database (``fresh_database``), dropped afterwards.

The server is started with ``DJANGO_SETTINGS_MODULE=bench.settings`` so that benchmark-only views
(``bench/urls.py``) exist in the measured process without ever being in the product's URLs.

Typical use::

    with running_server("granian", workers=2) as server:
        measure(server.url("/healthz"), connections=16, duration=5)
"""

from __future__ import annotations

import http.client
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SETTINGS_MODULE = "bench.settings"
WSGI_TARGET = "trustmart.wsgi:application"
ASGI_TARGET = "bench.asgi:application"
# Chosen by measurement: see docs/decisions/0003-application-server.md.
DEFAULT_SERVER = "granian"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
# Variables that would make the server something other than production: test mode, demo mode,
# another settings module, or static/media folders outside the temporary data folder.
_NOT_INHERITED = frozenset({
    "TRUSTMART_TESTING", "TRUSTMART_DEMO", "DJANGO_SETTINGS_MODULE", "DEBUG",
    "STATIC_ROOT", "MEDIA_ROOT", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT",
    "TRUSTMART_DATA_DIR",
})


class ServerError(Exception):
    """The application server could not be prepared, started or reached."""


@dataclass(frozen=True)
class ServerKind:
    """One supported way of serving the app: which module runs it and how it is invoked."""

    name: str
    module: str  # what must be importable, and what ``python -m`` runs
    description: str
    threaded: bool = False  # whether ``threads`` (per worker) means anything to it

    def command(self, port: int, workers: int, threads: int) -> list[str]:
        python = [sys.executable, "-m", self.module]
        if self.name == "gunicorn":
            return [*python, WSGI_TARGET, "--bind", f"{HOST}:{port}", "--workers", str(workers),
                    "--worker-class", "sync", "--log-level", "warning"]
        if self.name == "gunicorn-gthread":
            return [*python, WSGI_TARGET, "--bind", f"{HOST}:{port}", "--workers", str(workers),
                    "--worker-class", "gthread", "--threads", str(threads),
                    "--log-level", "warning"]
        if self.name == "granian":
            # Granian's WSGI default is backlog/workers/2 blocking threads per worker (hundreds):
            # each may hold a database connection, so the thread count is set explicitly.
            return [*python, "--interface", "wsgi", "--host", HOST, "--port", str(port),
                    "--workers", str(workers), "--blocking-threads", str(threads),
                    "--log-level", "warning", "--no-ws", WSGI_TARGET]
        if self.name == "uvicorn":
            return [*python, ASGI_TARGET, "--host", HOST, "--port", str(port),
                    "--workers", str(workers), "--lifespan", "off", "--no-access-log",
                    "--log-level", "warning"]
        raise ServerError(f"no command for server {self.name!r}")


SERVERS: dict[str, ServerKind] = {
    kind.name: kind
    for kind in (
        ServerKind("granian", "granian", "granian, WSGI interface, N blocking threads per worker",
                   threaded=True),
        ServerKind("gunicorn", "gunicorn", "gunicorn, sync workers (one request at a time)"),
        ServerKind("gunicorn-gthread", "gunicorn", "gunicorn, gthread workers, N threads each",
                   threaded=True),
        ServerKind("uvicorn", "uvicorn", "uvicorn, Django's ASGI handler (not a dependency)"),
    )
}


def require(kind: str) -> ServerKind:
    """The named server, if it is known and installed; fail before any preparation otherwise."""
    if kind not in SERVERS:
        raise ServerError(f"unknown server {kind!r}; choose from {', '.join(SERVERS)}")
    spec = SERVERS[kind]
    if importlib.util.find_spec(spec.module) is None:
        raise ServerError(f"{spec.module} is not installed in this environment")
    return spec


def production_env(data_dir: Path, base: Mapping[str, str] | None = None,
                   settings_module: str = SETTINGS_MODULE) -> dict[str, str]:
    """The environment of a production-like server whose state lives in ``data_dir``."""
    source = os.environ if base is None else base
    env = {key: value for key, value in source.items() if key not in _NOT_INHERITED}
    python_path = [str(REPO_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env.update({
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONPATH": os.pathsep.join(python_path),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        # Production sits behind a TLS proxy; here the client speaks plain http to the server.
        "SECURE_SSL_REDIRECT": "0",
        "TRUSTMART_DATA_DIR": str(data_dir),
        "LOG_LEVEL": env.get("LOG_LEVEL", "WARNING"),
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _trustmart_command() -> list[str]:
    """The ``trustmart`` console script of this interpreter's environment, as deployed."""
    script = Path(sys.executable).with_name("trustmart")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "trustmart.cli"]


def prepare(env: Mapping[str, str], timeout: float = 300.0, *, static: bool = True) -> None:
    """Migrate the database and collect static files, as a deployment does before starting.

    ``static=False`` only migrates: enough for processes that serve no pages (workers)."""
    steps = [["migrate", "--noinput", "-v", "0"]]
    if static:
        steps.append(["collectstatic", "--noinput", "-v", "0"])
    for args in steps:
        done = subprocess.run(
            [*_trustmart_command(), *args], env=dict(env), capture_output=True, text=True,
            timeout=timeout, check=False, cwd=env["TRUSTMART_DATA_DIR"],
        )
        if done.returncode != 0:
            raise ServerError(f"trustmart {args[0]} failed:\n{done.stderr.strip()[-3000:]}")


def free_port() -> int:
    """A TCP port on loopback that is free now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """One application server process (and its workers), started and stopped as a unit.

    The server runs in its own session, so stopping it signals the whole process group: no
    worker outlives the benchmark, even if the master dies first.
    """

    def __init__(self, kind: str, env: Mapping[str, str], *, workers: int = 2, threads: int = 4,
                 log_path: Path | None = None) -> None:
        self.kind = require(kind)
        self.env = dict(env)
        self.workers = workers
        self.threads = threads
        self.log_path = log_path or Path(self.env["TRUSTMART_DATA_DIR"]) / "server.log"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def start(self) -> None:
        self.port = free_port()
        command = self.kind.command(self.port, self.workers, self.threads)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=self.env["TRUSTMART_DATA_DIR"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        """Wait until ``/healthz`` answers 200, or fail with the server's own log."""
        deadline = time.monotonic() + START_TIMEOUT
        last_problem = "no answer"
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise ServerError(f"{self.kind.name} exited while starting:\n{self.log_tail()}")
            connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
            try:
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    return
                last_problem = f"HTTP {response.status}"
            except OSError as exc:
                last_problem = type(exc).__name__
            finally:
                connection.close()
            time.sleep(0.1)
        raise ServerError(
            f"{self.kind.name} not ready after {START_TIMEOUT:.0f}s ({last_problem}):\n"
            f"{self.log_tail()}"
        )

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
        """One plain GET (status, body), for a benchmark's set-up or checks, not for load."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by all of the server's processes.

        On a shared machine throughput says as much about the neighbours as about the server;
        CPU time per request does not, or far less, so benchmarks report both. Linux only (read
        from /proc); None elsewhere.
        """
        proc = Path("/proc")
        if self.process is None or not proc.is_dir():
            return None
        ticks = 0
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # the process ended while we looked
                continue
            # Fields after the command name, which may contain spaces: state, ppid, pgrp, ...
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == self.process.pid:
                # utime, stime, and the same for reaped children (so a replaced worker counts)
                ticks += sum(int(value) for value in fields[11:15])
        return ticks / os.sysconf("SC_CLK_TCK")

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def kill(self) -> None:
        """SIGKILL the whole server at once, as a crash or an OOM killer would: no clean-up."""
        process, self.process = self.process, None
        if process is None:
            return
        _signal_group(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> None:
        """Ask the server to stop, then make sure its whole process group is gone."""
        process, self.process = self.process, None
        if process is None:
            return
        _signal_group(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)
        # Workers that ignored SIGTERM or were orphaned by their master die here.
        _signal_group(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
        if isinstance(exc, Exception):  # the log goes away with the data folder: show it now
            print(f"--- end of the {self.kind.name} log ---\n{self.log_tail()}", file=sys.stderr)


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


@contextmanager
def fresh_database(base_env: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """The caller's environment, with DATABASE_URL (if PostgreSQL) on a new, empty database.

    A benchmark never migrates or fills the database ``DATABASE_URL`` names: it creates a
    sibling database for the run and drops it afterwards. SQLite runs use the temp data folder.
    """
    env = dict(base_env)
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield env
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = f"trustmart_bench_{secrets.token_hex(4)}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield {**env, "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                         .format(sql.Identifier(name)))


@contextmanager
def running_server(kind: str = DEFAULT_SERVER, *, workers: int = 2, threads: int = 4,
                   base_env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """A prepared, started server on a fresh temporary data folder; all removed afterwards."""
    require(kind)
    with tempfile.TemporaryDirectory(prefix="trustmart-bench-") as data_dir, \
            fresh_database(base_env if base_env is not None else os.environ) as db_env:
        env = production_env(Path(data_dir), db_env)
        prepare(env)
        with Server(kind, env, workers=workers, threads=threads) as server:
            yield server
