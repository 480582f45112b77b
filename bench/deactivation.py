"""How long a leaver's open socket outlives their deactivation (DESIGN.md invariant 6: within 2 seconds).

    python bench/deactivation.py [--people 20]

Starts an embedded Staffroom server, gives `--people` bench people one `/ws/events` socket each (token auth),
then ends them one at a time, two ways, and times how long after each ending their socket is closed (4401):
  - `api`: an IT admin sends `PATCH /api/v1/admin/people/{id} {"active": false}` to the server itself (the
    revocation is pushed to the socket at commit);
  - `other_process`: `staffroom shell` in another process deactivates the person through the same action; it
    shares no channel layer with the server, so the socket closes when the server's hub next looks for
    written-down revocations (every 2 s).
Baseline in the same run: the round trip of the PATCH itself. Results: bench/results/deactivation-<date>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests import servers  # noqa: E402

RESULTS_DIR = REPO_ROOT / "bench" / "results"
DEACTIVATE = """
from staffroom.accounts import actions
from staffroom.accounts.actors import Service, ServiceActor
from staffroom.accounts.models import Person
person = Person.objects.get(pk={person_id})
actions.deactivate_person(person.pk, acting=ServiceActor(Service.SCIM, person.organisation_id), reason="bench")
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "p50_ms": round(statistics.median(values), 1),
        "p99_ms": round(percentile(values, 99), 1),
        "max_ms": round(max(values), 1),
    }


async def closed_after(url: str, token: str) -> tuple[Any, asyncio.Future[float]]:
    """Open a socket; the future resolves to the monotonic time its 4401 close arrived."""
    ws = await connect(url, compression=None)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    hello = json.loads(await ws.recv())
    assert hello["type"] == "hello", hello
    done: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    async def watch() -> None:
        try:
            async for _ in ws:
                pass
        except ConnectionClosed:
            pass
        finally:
            if not done.done():
                done.set_result(time.monotonic())

    asyncio.get_running_loop().create_task(watch())
    return ws, done


async def run(server: servers.StaffroomServer, people: list[dict[str, Any]]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url(""), timeout=30) as http:
        login = {"email": servers.demo_email("admin"), "password": server.password}
        admin = (await http.post("/api/v1/auth/token", json=login)).json()["token"]
        headers = {"Authorization": f"Bearer {admin}"}
        half = len(people) // 2
        api_delays, patch_round_trips, other_delays = [], [], []
        for person in people[:half]:
            _ws, closed = await closed_after(server.ws_url, person["token"])
            started = time.monotonic()
            response = await http.patch(
                f"/api/v1/admin/people/{person['id']}", json={"active": False, "reason": "bench"}, headers=headers
            )
            answered = time.monotonic()
            assert response.status_code == 200, response.text
            api_delays.append((await asyncio.wait_for(closed, 10) - started) * 1000)
            patch_round_trips.append((answered - started) * 1000)
        for person in people[half:]:
            _ws, closed = await closed_after(server.ws_url, person["token"])
            started = time.monotonic()
            await asyncio.to_thread(
                servers.run_staffroom,
                ["shell", "-c", DEACTIVATE.format(person_id=int(person["id"]))],
                env=server.env,
            )
            finished = time.monotonic()
            other_delays.append((await asyncio.wait_for(closed, 10) - finished) * 1000)
    return {
        "api_patch_round_trip": summary(patch_round_trips),
        "api_deactivation_to_socket_closed": summary(api_delays),
        "other_process_commit_to_socket_closed": summary(other_delays),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20)
    args = parser.parse_args()
    with servers.staffroom_server() as server:
        code = (REPO_ROOT / "bench" / "staffroom_people.py").read_text()
        spec = {"prefix": "d" + str(int(time.time())), "groups": 1, "members": args.people}
        output = servers.run_staffroom(["shell", "-c", code], env={**server.env, "BENCH_PEOPLE": json.dumps(spec)})
        people = json.loads(output.strip().splitlines()[-1])["groups"][0]["people"]
        result = asyncio.run(run(server, people))
    result["date"] = dt.date.today().isoformat()
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"deactivation-{result['date']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"wrote {path.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
