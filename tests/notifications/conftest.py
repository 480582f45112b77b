"""A push service on this machine for the tests: it takes what Staffroom posts, keeps it, and answers as told.

Devices are made as a browser makes them: a P-256 key pair and a 16-byte auth secret, whose public half is sent
to Staffroom as the subscription's keys; the private half stays here, to decrypt what arrives."""

from __future__ import annotations

import base64
import json
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from staffroom.accounts import actions
from staffroom.accounts.models import Person, PushSubscription


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Device:
    """A browser's side of one subscription."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64(public)

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        return json.loads(plain)


@dataclass
class PushService:
    base_url: str
    received: list[Received] = field(default_factory=list)
    # Paths answered with another status than 201 (e.g. 410 Gone for a device that unsubscribed).
    statuses: dict[str, int] = field(default_factory=dict)

    def device(self) -> Device:
        name = os.urandom(6).hex()
        return Device(f"{self.base_url}/push/{name}", ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    def subscribe(self, person: Person) -> tuple[Device, PushSubscription]:
        device = self.device()
        subscription, _ = actions.subscribe_device(
            acting=person, endpoint=device.endpoint, p256dh=device.p256dh, auth=b64(device.auth),
            user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/130.0",
        )  # fmt: skip
        return device, subscription

    def to(self, device: Device) -> list[Received]:
        path = device.endpoint.removeprefix(self.base_url)
        return [r for r in self.received if r.path == path]


@pytest.fixture
def push_service(settings):
    settings.STAFFROOM_PUSH_ALLOW_LOOPBACK = True
    service: PushService

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            service.received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            )
            self.send_response(service.statuses.get(self.path, 201))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service = PushService(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield service
    server.shutdown()
    server.server_close()
