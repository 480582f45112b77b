"""Uploads under concurrency on PostgreSQL, where row locks (not SQLite's single writer) keep the rules.

Uploads racing on two nodes never hold more unsent files than the allowance; the purge of unsent uploads and
sends claiming the same files never leave a message without its file, nor a file without its row.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from tests import servers

pytestmark = pytest.mark.services


def bearer(server: servers.StaffroomServer, login: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token(login)}"}


def post_file(server: servers.StaffroomServer, login: str, n: int) -> httpx.Response:
    return httpx.post(
        server.url("/api/v1/uploads"),
        files={"file": (f"note-{n}.txt", f"note {n}".encode(), "text/plain")},
        headers=bearer(server, login),
        timeout=30,
    )


def test_concurrent_uploads_on_two_nodes_never_exceed_the_unsent_allowance(cluster):
    allowance = 10  # STAFFROOM_PUPIL_UNSENT_UPLOAD_FILES's default; pupil1 has nothing waiting after seeding
    nodes = [cluster.a, cluster.b]
    for node in nodes:
        node.token("pupil1")
    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(lambda n: post_file(nodes[n % 2], "pupil1", n), range(24)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * allowance + [413] * (24 - allowance), [r.text for r in responses if r.status_code >= 500]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 413} == {"quota_exceeded"}


def test_purging_while_sends_claim_the_same_files_leaves_every_message_whole(cluster):
    server = cluster.a
    headers = bearer(server, "office1")
    uploaded = []
    for n in range(12):
        response = post_file(server, "office1", 100 + n)
        assert response.status_code == 201, response.text
        uploaded.append(response.json()["id"])
    conversations = httpx.get(server.url("/api/v1/conversations"), headers=headers).json()["items"]
    trips = next(c["id"] for c in conversations if c["title"] == "Trips and visits")

    purge_output: list[str] = []
    # Every unsent upload is past its time when the limit is 0 hours: the purge wants all twelve.
    purge_env = {**server.env, "STAFFROOM_UNSENT_UPLOAD_HOURS": "0"}
    purge = threading.Thread(
        target=lambda: purge_output.append(servers.run_staffroom(["purge_uploads"], env=purge_env))
    )

    def send(attachment_id: str) -> httpx.Response:
        time.sleep(0.1 * uploaded.index(attachment_id))  # spread over the purge's start-up and run
        return httpx.post(
            server.url(f"/api/v1/conversations/{trips}/messages"),
            json={"body": "", "client_id": uuid.uuid4().hex, "attachment_ids": [attachment_id]},
            headers=headers,
            timeout=30,
        )

    purge.start()
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = dict(zip(uploaded, pool.map(send, uploaded), strict=True))
    purge.join(timeout=120)
    assert purge_output and "uploads_purged" in json.loads(purge_output[0])

    sent = {a for a, r in responses.items() if r.status_code == 201}
    refused = {a for a, r in responses.items() if r.status_code == 422}
    assert sent | refused == set(uploaded), {a: r.text for a, r in responses.items() if a not in sent | refused}
    assert all(r.json()["error"]["field"] == "attachment_ids" for a, r in responses.items() if a in refused)
    with psycopg.connect(cluster.database_url) as db:
        rows = dict(
            db.execute(
                "SELECT id::text, message_id FROM messaging_attachment WHERE id = ANY(%s::uuid[])", (uploaded,)
            ).fetchall()
        )
    files = server.data_dir / "files" / "attachments"
    for attachment_id in uploaded:
        on_disk = list(files.glob(f"*/{attachment_id.replace('-', '')[:2]}/{attachment_id.replace('-', '')}"))
        if attachment_id in sent:
            assert rows.get(attachment_id) is not None, f"{attachment_id} was sent but its row is not on the message"
            assert on_disk, f"{attachment_id} was sent but its file is gone"
        else:
            assert attachment_id not in rows, f"{attachment_id} was refused but its row is still there"
            assert not on_disk, f"{attachment_id} was purged but its file is still there"
