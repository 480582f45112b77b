"""Invariants hold when two people act at the same moment on two nodes of one PostgreSQL (transaction first,
then the lock, then the check: docs/architecture.md)."""

from __future__ import annotations

import asyncio

import httpx
import psycopg
import pytest

from tests.services.test_scale_out import api

pytestmark = pytest.mark.services


async def person_id(client: httpx.AsyncClient) -> int:
    response = await client.get("/api/v1/me")
    assert response.status_code == 200, response.text
    return response.json()["id"]


async def test_two_people_starting_a_direct_message_at_once_get_one_conversation(cluster):
    pairs = [("ta1", "office1"), ("dpo", "ta1"), ("office1", "head")]
    for first, second in pairs:
        async with (
            api(cluster.a, cluster.a.token(first)) as one,
            api(cluster.b, cluster.b.token(second)) as other,
        ):
            one_id, other_id = await person_id(one), await person_id(other)
            starts = [
                client.post("/api/v1/conversations", json={"kind": "direct", "member_ids": [them]})
                for _ in range(4)
                for client, them in ((one, other_id), (other, one_id))
            ]
            answers = await asyncio.gather(*starts)
        assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
        assert len({a.json()["id"] for a in answers}) == 1, (first, second)


async def test_two_teachers_leaving_a_class_channel_at_once_leave_one_adult_in_it(cluster):
    with psycopg.connect(cluster.database_url) as db:
        (class_id,) = db.execute("SELECT id FROM accounts_schoolclass ORDER BY id LIMIT 1").fetchone()
    async with (
        api(cluster.a, cluster.a.token("teacher1")) as teacher1,
        api(cluster.b, cluster.b.token("teacher2")) as teacher2,
    ):
        ids = {name: await person_id(client) for name, client in (("teacher1", teacher1), ("teacher2", teacher2))}
        for attempt in range(3):
            created = await teacher1.post(
                "/api/v1/conversations",
                json={
                    "kind": "class",
                    "title": f"Race check {attempt}",
                    "member_ids": [ids["teacher2"]],
                    "school_class_id": class_id,
                },
            )
            assert created.status_code == 201, created.text
            channel = created.json()["id"]
            leaves = await asyncio.gather(
                teacher1.delete(f"/api/v1/conversations/{channel}/members/{ids['teacher1']}"),
                teacher2.delete(f"/api/v1/conversations/{channel}/members/{ids['teacher2']}"),
            )
            assert sorted(r.status_code for r in leaves) == [204, 422], [r.text for r in leaves]
            with psycopg.connect(cluster.database_url) as db:
                (staff,) = db.execute(
                    "SELECT count(*) FROM messaging_membership WHERE conversation_id = %s AND person_id = ANY(%s)",
                    (channel, list(ids.values())),
                ).fetchone()
            assert staff == 1
