"""Real processes for tests and benchmarks: PostgreSQL, Redis and Staffroom servers on free loopback ports.

Shared by tests/services (scale-out), tests/e2e (browser tests) and bench/. Each process gets its own temporary
directory and port, runs in its own process group, and is stopped when its `with` block ends. Nothing here
touches the developer's ./var, a system-wide PostgreSQL or the environment's DATABASE_URL / REDIS_URL.

    with postgresql() as pg, redis() as rd, staffroom_server(tmp_path_factory, pg.url, rd.url) as server:
        token = server.token("teacher1")
        httpx.get(server.url("/api/v1/me"), headers={"Authorization": f"Bearer {token}"})

A missing binary raises `ServiceMissing`; pytest fixtures turn it into a skip, or a failure when
STAFFROOM_REQUIRE_SERVICES=1 (CI, `make test`), with `skip_or_fail`.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, Protocol

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_DOMAIN = "oakfield.example"
DEMO_PASSWORD = "oakfield-test-password"
# One secret for every node started by this process, so a session cookie from one node is valid on another.
CLUSTER_SECRET_KEY = secrets.token_urlsafe(50)
# Variables of the developer's shell that would point a test server at their own data or services.
_INHERITED_SETTINGS = ("DATABASE_URL", "REDIS_URL", "STAFFROOM_DATA_DIR", "STAFFROOM_SECRET_KEY", "PORT", "HOST")


class ServiceMissing(RuntimeError):
    """A program the tests need is not installed."""


class ServiceFailed(RuntimeError):
    """A program started but did not become ready; the message ends with its log."""


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test, or fail it when STAFFROOM_REQUIRE_SERVICES=1: in CI a missing service is a broken setup."""
    import pytest

    if os.environ.get("STAFFROOM_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (STAFFROOM_REQUIRE_SERVICES=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def demo_email(login: str) -> str:
    """`teacher1` -> `teacher1@oakfield.example`; a full address is returned as it is."""
    return login if "@" in login else f"{login}@{DEMO_DOMAIN}"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the caller binds it soon after; see `_retry_on_port_clash`)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def log_tail(path: Path, lines: int = 80) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def wait_until(
    ready: Callable[[], bool],
    *,
    what: str,
    timeout: float,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    """Poll `ready` until it is true; fail early, with the log, if `process` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceFailed(f"{what} exited with status {process.returncode}.\n{_log_section(log)}")
        with contextlib.suppress(OSError):
            if ready():
                return
        time.sleep(0.05)
    raise ServiceFailed(f"{what} was not ready after {timeout:.0f} s.\n{_log_section(log)}")


def _log_section(log: Path | None) -> str:
    return f"--- last lines of {log} ---\n{log_tail(log)}" if log is not None else ""


def _start(
    command: list[str],
    *,
    log: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start `command` in its own process group (so stopping it stops its children), output to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            process_group=0,
            user=user,
            group=_primary_group(user) if user else None,
            extra_groups=[] if user else None,
        )


def _stop(process: subprocess.Popen[bytes], *, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """Ask the process group to stop, then kill it if it has not stopped within `timeout` seconds."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # stragglers in the group, e.g. a worker the parent left behind
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


def _primary_group(user: str) -> int:
    return pwd.getpwnam(user).pw_gid


# --- PostgreSQL ---------------------------------------------------------------------------------------------


@dataclass
class PostgreSQL:
    url: str  # DATABASE_URL of the database created for Staffroom
    port: int
    data_dir: Path
    socket_dir: Path
    log_path: Path
    bin_dir: Path

    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


def postgresql_bin_dir() -> Path:
    """The newest Debian PostgreSQL (/usr/lib/postgresql/<version>/bin), or STAFFROOM_PG_BIN, or initdb on PATH."""
    candidates: list[Path] = []
    if configured := os.environ.get("STAFFROOM_PG_BIN"):
        candidates.append(Path(configured))
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(debian)
    if on_path := shutil.which("initdb"):
        candidates.append(Path(on_path).parent)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "postgres").exists():
            return candidate
    raise ServiceMissing("PostgreSQL is not installed; run make test, which installs it (Debian package postgresql)")


@contextlib.contextmanager
def postgresql(*, database: str = "staffroom", timeout: float = 30) -> Iterator[PostgreSQL]:
    """A throwaway PostgreSQL cluster on a free port: trust auth, no fsync, one empty database `database`.

    PostgreSQL refuses to run as root, and CI runs as root: then initdb and the server run as the `postgres`
    user that Debian's package creates, in a directory under /tmp handed to that user (pytest's own temporary
    directories are private to root, so they cannot be used).
    """
    bin_dir = postgresql_bin_dir()
    as_user = _postgres_user() if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="staffroom-pg-"))
    data_dir, socket_dir, log_path = base / "data", base / "run", base / "postgresql.log"
    socket_dir.mkdir()
    log_path.touch()
    if as_user:
        for path in (base, socket_dir, log_path):
            shutil.chown(path, as_user, as_user)
    process = None
    try:
        initdb = subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data_dir), "-A", "trust", "-U", "postgres", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
            cwd=base, user=as_user, group=_primary_group(as_user) if as_user else None,
            extra_groups=[] if as_user else None, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if initdb.returncode != 0:
            raise ServiceFailed(f"initdb failed ({initdb.returncode}):\n{initdb.stdout}\n{initdb.stderr}")
        for _attempt in range(3):
            port = free_port()
            # Speed over durability: a test cluster that crashes is thrown away anyway.
            settings = {
                "listen_addresses": "127.0.0.1", "port": str(port), "unix_socket_directories": str(socket_dir),
                "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                "max_connections": "200", "shared_buffers": "64MB", "log_min_messages": "warning",
            }  # fmt: skip
            command = [str(bin_dir / "postgres"), "-D", str(data_dir)]
            for name, value in settings.items():
                command += ["-c", f"{name}={value}"]
            process = _start(command, log=log_path, cwd=base, user=as_user)
            try:
                wait_until(
                    lambda port=port: _postgres_accepts(port), what="PostgreSQL", timeout=timeout,
                    process=process, log=log_path,
                )  # fmt: skip
                break
            except ServiceFailed:
                if process.poll() is None or "could not bind" not in log_tail(log_path):
                    raise
        else:
            raise ServiceFailed(f"PostgreSQL could not find a free port.\n{_log_section(log_path)}")
        server = PostgreSQL(
            url=f"postgresql://postgres@127.0.0.1:{port}/{database}",
            port=port, data_dir=data_dir, socket_dir=socket_dir, log_path=log_path, bin_dir=bin_dir,
        )  # fmt: skip
        _postgres_execute(server.admin_url(), f'CREATE DATABASE "{database}"')
        yield server
    finally:
        if process is not None:
            _stop(process, sig=signal.SIGINT)  # SIGINT is PostgreSQL's "fast" shutdown
        shutil.rmtree(base, ignore_errors=True)


def _postgres_user() -> str:
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ServiceMissing(
            "The `postgres` system user is missing (PostgreSQL cannot run as root); reinstall the postgresql "
            "package, or run the tests as an ordinary user"
        ) from None
    return "postgres"


def _postgres_accepts(port: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _postgres_execute(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]  # our own constant SQL


# --- Redis --------------------------------------------------------------------------------------------------


@dataclass
class Redis:
    url: str  # REDIS_URL
    port: int
    log_path: Path


@contextlib.contextmanager
def redis(*, timeout: float = 15) -> Iterator[Redis]:
    """A throwaway redis-server on a free loopback port, keeping nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceMissing("Redis is not installed; run make test, which installs it (Debian package redis-server)")
    base = Path(tempfile.mkdtemp(prefix="staffroom-redis-"))
    log_path = base / "redis.log"
    process = None
    try:
        for _attempt in range(3):
            port = free_port()
            command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                       "--dir", str(base), "--protected-mode", "yes"]  # fmt: skip
            process = _start(command, log=log_path, cwd=base)
            try:
                wait_until(
                    lambda port=port: _redis_pong(port), what="Redis", timeout=timeout, process=process, log=log_path
                )
                break
            except ServiceFailed:
                if process.poll() is None or "Address already in use" not in log_tail(log_path):
                    raise
        else:
            raise ServiceFailed(f"Redis could not find a free port.\n{_log_section(log_path)}")
        yield Redis(url=f"redis://127.0.0.1:{port}/0", port=port, log_path=log_path)
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(base, ignore_errors=True)


def _redis_pong(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(16).startswith(b"+PONG")


# --- Staffroom ----------------------------------------------------------------------------------------------


class _TempPathFactory(Protocol):
    def mktemp(self, basename: str, numbered: bool = True) -> Path: ...


@dataclass
class StaffroomServer:
    """One running `staffroom serve` node."""

    name: str
    host: str
    port: int
    password: str  # of every demo login
    data_dir: Path
    log_path: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    _tokens: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The events socket, /ws/events."""
        return f"ws://{self.host}:{self.port}/ws/events"

    def url(self, path: str) -> str:
        return self.base_url + path

    def command(self, *args: str, timeout: float = 120, input: str | None = None) -> str:
        """Run `staffroom <args>` against this server's data (database, data directory); return its stdout."""
        return run_staffroom(args, env=self.env, timeout=timeout, input=input)

    def create_token(self, login: str) -> str:
        """A new API token for a demo login, issued by `staffroom create_token` (works without the API)."""
        return self.command("create_token", demo_email(login), "--label", "tests").strip()

    def login(self, login: str, *, timeout: float = 20) -> str:
        """A new API token for a demo login from `POST /api/v1/auth/token` (the password route, as a client)."""
        status, body = http_json(
            "POST", self.url("/api/v1/auth/token"), {"email": demo_email(login), "password": self.password}, timeout
        )
        if status != 200:
            raise AssertionError(f"POST /api/v1/auth/token for {login} answered {status}: {body}")
        return str(body["token"])

    def token(self, login: str) -> str:
        """A token for `login`, issued once per server object and then reused."""
        if login not in self._tokens:
            self._tokens[login] = self.login(login)
        return self._tokens[login]

    def tokens(self, logins: list[str]) -> dict[str, str]:
        """`token` for several logins at once (password hashing is slow, so they are issued in parallel)."""
        missing = [login for login in logins if login not in self._tokens]
        with ThreadPoolExecutor(max_workers=4) as pool:
            for login, raw in zip(missing, pool.map(self.login, missing), strict=True):
                self._tokens[login] = raw
        return {login: self._tokens[login] for login in logins}

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self, lines: int = 200) -> str:
        return log_tail(self.log_path, lines)


# Servers that are running now, so a pytest hook can attach their logs to a failed test's report.
RUNNING: list[StaffroomServer] = []


def attach_server_logs(report: Any, lines: int = 120) -> None:
    """For a `pytest_runtest_makereport` hook: add each running server's log to a failed report."""
    if report.failed:
        for server in RUNNING:
            report.sections.append((f"Staffroom server {server.name} ({server.log_path})", server.log(lines)))


def staffroom_command() -> list[str]:
    """How to run the `staffroom` console script of the environment we run in (no `uv run` start-up cost)."""
    beside = Path(sys.executable).with_name("staffroom")
    if beside.exists():
        return [str(beside)]
    venv = REPO_ROOT / ".venv" / "bin" / "staffroom"
    if venv.exists():
        return [str(venv)]
    return [sys.executable, "-m", "staffroom.cli"]


def staffroom_env(
    data_dir: Path,
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
    password: str = DEMO_PASSWORD,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED_SETTINGS}
    env.update(
        STAFFROOM_DATA_DIR=str(data_dir),
        STAFFROOM_DEMO_PASSWORD=password,
        STAFFROOM_SECRET_KEY=CLUSTER_SECRET_KEY,
        DJANGO_SETTINGS_MODULE="staffroom.settings",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra or {})
    return env


def run_staffroom(
    args: tuple[str, ...] | list[str], *, env: Mapping[str, str], timeout: float = 120, input: str | None = None
) -> str:
    result = subprocess.run(
        [*staffroom_command(), *args],
        env=dict(env),
        cwd=REPO_ROOT,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise ServiceFailed(
            f"`staffroom {' '.join(args)}` failed with status {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def _data_dir(where: _TempPathFactory | Path | None, name: str) -> tuple[Path, bool]:
    """(directory, remove it afterwards?). pytest's factory and given paths are kept for inspection."""
    if where is None:
        return Path(tempfile.mkdtemp(prefix=f"staffroom-{name}-")), True
    if isinstance(where, Path):
        path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=where))
        return path, False
    return where.mktemp(name), False


@contextlib.contextmanager
def staffroom_server(
    tmp: _TempPathFactory | Path | None = None,
    database_url: str | None = None,
    redis_url: str | None = None,
    *,
    name: str = "staffroom",
    prepare: bool = True,
    collectstatic: bool = False,
    password: str = DEMO_PASSWORD,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 30,
) -> Iterator[StaffroomServer]:
    """Migrate, seed the demo organisation and serve Staffroom on a free loopback port until the block ends.

    `tmp` is pytest's `tmp_path_factory`, a directory to create the data directory in, or None (a temporary
    directory removed afterwards). Without `database_url` / `redis_url` it runs embedded (SQLite, in-memory
    channel layer). Give `prepare=False` for a second node on a database an earlier node prepared. On an
    error inside the block the server's log is printed to stderr; pytest shows it with the failure.
    """
    data_dir, remove = _data_dir(tmp, name)
    log_path = data_dir / "server.log"
    env = staffroom_env(data_dir, database_url=database_url, redis_url=redis_url, password=password, extra=extra_env)
    server = StaffroomServer(
        name=name, host="127.0.0.1", port=0, password=password, data_dir=data_dir, log_path=log_path, env=env
    )
    try:
        if prepare:
            run_staffroom(["migrate", "--no-input", "-v", "0"], env=env, timeout=300)
            run_staffroom(["seed_demo"], env=env)
        if collectstatic:
            run_staffroom(["collectstatic", "--no-input", "-v", "0"], env=env)
        _serve(server, timeout)
        RUNNING.append(server)
        try:
            yield server
        except BaseException:
            sys.stderr.write(f"\n--- log of Staffroom server {name!r} ({log_path}) ---\n{server.log()}\n")
            raise
    finally:
        if server in RUNNING:
            RUNNING.remove(server)
        if server.process is not None:
            _stop(server.process)
        if remove:
            shutil.rmtree(data_dir, ignore_errors=True)


def _serve(server: StaffroomServer, timeout: float) -> None:
    for _attempt in range(3):
        server.port = free_port(server.host)
        server.process = _start(
            [*staffroom_command(), "serve", "--host", server.host, "--port", str(server.port)],
            log=server.log_path,
            env=server.env,
            cwd=REPO_ROOT,
        )
        try:
            wait_until(
                lambda: http_status(server.url("/healthz")) == 200,
                what=f"Staffroom server {server.name!r}",
                timeout=timeout,
                process=server.process,
                log=server.log_path,
            )
            return
        except ServiceFailed:
            if server.process.poll() is None or "already in use" not in server.log():
                _stop(server.process)
                raise
    raise ServiceFailed(f"Staffroom could not find a free port.\n{_log_section(server.log_path)}")


# --- plain HTTP (standard library, so that fixture code needs no client library) -----------------------------


def http_status(url: str, timeout: float = 2) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # our own loopback URL
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def http_json(
    method: str, url: str, body: Any = None, timeout: float = 20, token: str | None = None
) -> tuple[int, Any]:
    """(status, decoded JSON or None) of one request."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")
