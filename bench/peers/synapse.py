"""Matrix Synapse as a fan-out peer: installed from PyPI into bench/.peers/ (ignored), SQLite, one process.

    with synapse_server() as hs:
        rooms = hs.populate(groups=1, members=100)   # users registered, one room per group, everyone joined

The install happens on first use (`uv pip install matrix-synapse==VERSION`, or pip when uv is missing) and is
reused afterwards; delete bench/.peers/ to start again. Users are registered with the shared-secret admin API
(`/_synapse/admin/v1/register`, which returns an access token), rooms are created with `/createRoom` and joined
with `/join`. Synapse's rate limits are raised so that the benchmark's own senders (at most 3 messages a
second each, Staffroom's limit) and the setup's joins are never refused; nothing else is tuned.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

BENCH_DIR = Path(__file__).resolve().parents[1]
PEERS_DIR = BENCH_DIR / ".peers"
VENV = PEERS_DIR / "synapse"
VERSION = "1.163.2"
SERVER_NAME = "bench.localhost"

sys.path.insert(0, str(BENCH_DIR.parent))
from tests import servers  # noqa: E402


class SynapseUnavailable(RuntimeError):
    """Synapse could not be installed or started here; the message says why."""


def python() -> Path:
    return VENV / "bin" / "python"


def uv_command() -> list[str]:
    """uv from PATH, or as a module of the interpreter this virtualenv was made from (as the Makefile runs it)."""
    on_path = shutil.which("uv")
    return [on_path] if on_path else [getattr(sys, "_base_executable", sys.executable), "-m", "uv"]


def ensure_installed() -> str:
    """Install matrix-synapse into bench/.peers/synapse unless it is there; return its version."""
    marker = VENV / f".installed-{VERSION}"
    if not marker.exists():
        print(f"Installing matrix-synapse {VERSION} into {VENV} (once)...", file=sys.stderr)
        PEERS_DIR.mkdir(exist_ok=True)
        uv = uv_command()
        try:
            subprocess.run([*uv, "venv", "--python", sys.executable, str(VENV)], check=True)
            subprocess.run([*uv, "pip", "install", "--python", str(python()), f"matrix-synapse=={VERSION}"], check=True)
        except (OSError, subprocess.CalledProcessError):
            try:
                subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
                subprocess.run([str(python()), "-m", "pip", "install", "-q", f"matrix-synapse=={VERSION}"], check=True)
            except (OSError, subprocess.CalledProcessError) as exc:
                raise SynapseUnavailable(f"could not install matrix-synapse {VERSION}: {exc}") from exc
        marker.touch()
    return VERSION


LOG_CONFIG = """\
version: 1
formatters:
  precise:
    format: '%(asctime)s %(levelname)s %(name)s %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: {log}
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"""

HOMESERVER = """\
server_name: "{server_name}"
pid_file: {dir}/homeserver.pid
listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: {dir}/homeserver.db
log_config: {dir}/log.yaml
media_store_path: {dir}/media_store
signing_key_path: {dir}/signing.key
registration_shared_secret: "{secret}"
macaroon_secret_key: "{macaroon}"
form_secret: "{form}"
report_stats: false
enable_metrics: false
trusted_key_servers: []
suppress_key_server_warning: true
presence:
  enabled: false
# Registration hashes a password per user; the benchmark users never sign in with one.
bcrypt_rounds: 4
# Raised so the benchmark's senders and the setup's joins are never throttled (defaults: 0.2 messages a
# second per user, 1 join a second per room).
rc_message: {{per_second: 1000, burst_count: 10000}}
rc_registration: {{per_second: 1000, burst_count: 10000}}
rc_login:
  address: {{per_second: 1000, burst_count: 10000}}
  account: {{per_second: 1000, burst_count: 10000}}
  failed_attempts: {{per_second: 1000, burst_count: 10000}}
rc_joins:
  local: {{per_second: 1000, burst_count: 10000}}
  remote: {{per_second: 1000, burst_count: 10000}}
rc_joins_per_room: {{per_second: 1000, burst_count: 10000}}
rc_room_creation: {{per_second: 1000, burst_count: 10000}}
"""


@dataclass
class Room:
    room_id: str
    people: list[dict[str, str]]  # {"user_id": ..., "token": ...}


@dataclass
class SynapseServer:
    base_url: str
    secret: str
    process: subprocess.Popen[bytes]
    log_path: Path
    dir: Path

    def _register(self, http: httpx.Client, username: str) -> dict[str, str]:
        nonce = http.get("/_synapse/admin/v1/register").raise_for_status().json()["nonce"]
        password = secrets.token_urlsafe(12)
        mac = hmac.new(self.secret.encode(), digestmod=hashlib.sha1)
        for part in (nonce.encode(), username.encode(), password.encode()):
            mac.update(part)
            mac.update(b"\x00")
        mac.update(b"notadmin")
        body = {"nonce": nonce, "username": username, "password": password, "admin": False, "mac": mac.hexdigest()}
        answer = http.post("/_synapse/admin/v1/register", json=body)
        if answer.status_code != 200:
            raise SynapseUnavailable(f"registering {username} answered {answer.status_code}: {answer.text[:300]}")
        data = answer.json()
        return {"user_id": data["user_id"], "token": data["access_token"]}

    def populate(self, *, prefix: str, groups: int, members: int, workers: int = 4) -> list[Room]:
        """Register groups x members users, create one public room per group and join its members to it."""
        with httpx.Client(base_url=self.base_url, timeout=120) as http, ThreadPoolExecutor(workers) as pool:
            people = list(pool.map(lambda i: self._register(http, f"bench-{prefix}-{i}"), range(groups * members)))
            rooms = []
            for g in range(groups):
                group = people[g * members : (g + 1) * members]
                created = http.post(
                    "/_matrix/client/v3/createRoom",
                    json={"preset": "public_chat", "name": f"Bench {prefix} group {g}"},
                    headers={"Authorization": f"Bearer {group[0]['token']}"},
                )
                if created.status_code != 200:
                    raise SynapseUnavailable(f"createRoom answered {created.status_code}: {created.text[:300]}")
                room_id = created.json()["room_id"]

                def join(person: dict[str, str], room_id: str = room_id) -> None:
                    answer = http.post(
                        f"/_matrix/client/v3/join/{room_id}", json={},
                        headers={"Authorization": f"Bearer {person['token']}"},
                    )  # fmt: skip
                    if answer.status_code != 200:
                        raise SynapseUnavailable(f"join answered {answer.status_code}: {answer.text[:300]}")

                list(pool.map(join, group[1:]))
                rooms.append(Room(room_id, group))
        return rooms

    def log(self, lines: int = 60) -> str:
        return servers.log_tail(self.log_path, lines)


@contextlib.contextmanager
def synapse_server(timeout: float = 120) -> Iterator[SynapseServer]:
    """A fresh Synapse (empty SQLite database) on a free loopback port, stopped when the block ends."""
    ensure_installed()
    base = Path(tempfile.mkdtemp(prefix="bench-synapse-"))
    log_path = base / "homeserver.log"
    process = None
    try:
        secret = secrets.token_urlsafe(32)
        port = servers.free_port()
        (base / "log.yaml").write_text(LOG_CONFIG.format(log=log_path))
        (base / "homeserver.yaml").write_text(
            HOMESERVER.format(
                server_name=SERVER_NAME,
                dir=base,
                port=port,
                secret=secret,
                macaroon=secrets.token_urlsafe(32),
                form=secrets.token_urlsafe(32),
            )
        )
        config = str(base / "homeserver.yaml")
        command = [str(python()), "-m", "synapse.app.homeserver", "-c", config]
        generated = subprocess.run([*command, "--generate-keys"], capture_output=True, text=True, check=False)
        if generated.returncode != 0:
            raise SynapseUnavailable(f"synapse --generate-keys failed:\n{generated.stdout}\n{generated.stderr}")
        log_path.touch()
        process = servers._start(command, log=base / "stdout.log", cwd=base)
        url = f"http://127.0.0.1:{port}"
        try:
            servers.wait_until(
                lambda: servers.http_status(url + "/_matrix/client/versions") == 200,
                what="Synapse", timeout=timeout, process=process, log=base / "stdout.log",
            )  # fmt: skip
        except servers.ServiceFailed as exc:
            raise SynapseUnavailable(f"{exc}\n--- homeserver.log ---\n{servers.log_tail(log_path)}") from exc
        yield SynapseServer(base_url=url, secret=secret, process=process, log_path=log_path, dir=base)
    finally:
        if process is not None:
            servers._stop(process)
        shutil.rmtree(base, ignore_errors=True)


def sync_filter() -> dict[str, Any]:
    """What a receiving client asks /sync for: room messages only (no presence, receipts or typing)."""
    return {
        "presence": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
        "room": {
            "timeline": {"limit": 100, "types": ["m.room.message"]},
            "state": {"lazy_load_members": True},
            "ephemeral": {"not_types": ["*"]},
            "account_data": {"not_types": ["*"]},
        },
    }


if __name__ == "__main__":  # a quick check that Synapse installs and starts here
    started = time.monotonic()
    with synapse_server() as hs:
        made = hs.populate(prefix="check", groups=1, members=3)
        print(f"Synapse {VERSION} up at {hs.base_url}; room {made[0].room_id} with 3 members")
        print(f"took {time.monotonic() - started:.1f} s")
