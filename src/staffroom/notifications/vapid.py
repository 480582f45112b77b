"""The VAPID key pair that signs every push (RFC 8292), so push services know pushes come from this server.

From STAFFROOM_VAPID_PRIVATE_KEY when set (a cluster's nodes must share one key: a browser's subscription is bound
to the public key it was made with), else made once in the data directory, as the secret key is. Changing the key
ends every subscription: browsers then subscribe again with the new public key when the page next loads.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid02 as Vapid

KEY_FILE = "vapid_private_key"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _new_raw_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return _b64(key.private_numbers().private_value.to_bytes(32, "big"))


def _stored_key(data_dir: Path) -> str:
    """The key in the data directory, made on first use. Two processes or threads starting at once agree, and
    neither reads a half-written file: each writes a whole key to a file of its own and links it into place,
    which only the first can do (the link fails if the name exists); the others read the winner's."""
    path = data_dir / KEY_FILE
    if not path.exists():
        draft = data_dir / f".{KEY_FILE}.{os.getpid()}.{threading.get_ident()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w") as file:
                file.write(_new_raw_key())
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):  # another was first: read theirs
                os.link(draft, path)
        finally:
            draft.unlink(missing_ok=True)
    return path.read_text().strip()


@functools.cache
def key() -> Vapid:
    configured = settings.STAFFROOM_VAPID_PRIVATE_KEY.strip()
    text = configured or _stored_key(Path(settings.DATA_DIR))
    if "-----BEGIN" in text:
        return Vapid.from_pem(text.encode())
    return Vapid.from_string(text)


def public_key() -> str:
    """The public key as browsers take it (`applicationServerKey`): the uncompressed P-256 point, base64url."""
    raw = key().public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return _b64(raw)
