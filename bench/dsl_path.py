"""The DSL's path from a pupil's message to a closed concern, timed step by step through the real API.

    python bench/dsl_path.py [--concerns 20] [--queue 500]

Seeds a fresh embedded data directory (STAFFROOM_DATA_DIR in a temporary folder; nothing of the developer's
data is touched) with the tests' school (tests/factories.py `world`) and `--queue` older concerns of mixed
severity, so the queue is not empty. Then, `--concerns` times over:

- `send`: a pupil posts a message in their class channel (messaging's send action);
- `raise`: a high-severity concern is made on it and `concern_raised` sent (the alert: live event to the DSLs,
  push). Until the send path raises concerns itself, the row is made here; if the send already raised one, it
  is used instead;
- `list`: the DSL asks for the queue (`GET /api/v1/safeguarding/concerns`), where the concern is first;
- `open`: `GET /api/v1/safeguarding/concerns/{id}` (the message in context, audited);
- `escalate`: `PATCH {status: "escalated", referral}`; `close`: `PATCH {status: "closed", outcome}`.

Baseline in the same run: `GET /api/v1/me` by the DSL (the API's own floor). Prints milliseconds (median, p95,
max) per step and writes bench/results/dsl-path-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "bench" / "results"


def setup(data_dir: Path) -> None:
    os.environ["STAFFROOM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffroom.settings")
    os.environ.setdefault("STAFFROOM_PUSH_DELIVERY", "off")
    sys.path.insert(0, str(REPO_ROOT / "src"))
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(step: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = step()
    return result, (time.perf_counter() - start) * 1000


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 2),
        "max_ms": round(ordered[-1], 2),
    }


def run(concerns: int, queue: int) -> dict[str, Any]:
    from django.test import Client
    from tests import factories

    from staffroom.accounts import actions as account_actions
    from staffroom.messaging import actions as messaging
    from staffroom.safeguarding.models import Concern
    from staffroom.safeguarding.signals import concern_raised

    world = factories.world()
    channel = world.class_channel(world.pupil, world.pupil2)
    severities = ["low", "medium", "medium", "high"]
    Concern.objects.bulk_create(
        Concern(organisation=world.org, school=world.school, conversation=channel, category="bullying",
                severity=severities[i % 4], status="closed" if i % 3 else "reviewed", source="detector")
        for i in range(queue)
    )  # fmt: skip
    token = account_actions.create_token(world.dsl, acting=world.dsl, label="bench")
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    base = "/api/v1/safeguarding/concerns"

    def ok(response: Any) -> Any:
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return response.json()

    ok(client.get("/api/v1/me"))  # warm up: the first request loads the URL map and the API's schemas
    steps: dict[str, list[float]] = {
        k: [] for k in ("baseline_me", "send", "raise", "list", "open", "escalate", "close", "total")
    }
    for n in range(concerns):
        _, took = timed(lambda: ok(client.get("/api/v1/me")))
        steps["baseline_me"].append(took)
        (message, _), took_send = timed(
            lambda n=n: messaging.send_message(channel, acting=world.pupil, body=f"I want to die, nobody cares {n}")
        )

        def raise_concern(message: Any = message) -> Concern:
            existing = Concern.objects.filter(message=message).first()
            concern = existing or Concern.objects.create(
                organisation=world.org, school=world.school, conversation=channel, message=message,
                about=world.pupil, category="self_harm", severity="high", source="detector",
            )  # fmt: skip
            if existing is None:
                concern_raised.send(sender=None, concern=concern)
            return concern

        concern, took_raise = timed(raise_concern)
        listed, took_list = timed(lambda: ok(client.get(base)))
        assert listed["items"][0]["id"] == concern.pk
        _, took_open = timed(lambda c=concern: ok(client.get(f"{base}/{c.pk}")))
        body = {"status": "escalated", "referral": f"MASH, ref {n}"}
        _, took_escalate = timed(
            lambda c=concern, b=body: ok(client.patch(f"{base}/{c.pk}", json.dumps(b), content_type="application/json"))
        )
        body = {"status": "closed", "outcome": "Early help plan agreed with the family"}
        _, took_close = timed(
            lambda c=concern, b=body: ok(client.patch(f"{base}/{c.pk}", json.dumps(b), content_type="application/json"))
        )
        for key, value in (("send", took_send), ("raise", took_raise), ("list", took_list), ("open", took_open),
                           ("escalate", took_escalate), ("close", took_close)):  # fmt: skip
            steps[key].append(value)
        steps["total"].append(took_send + took_raise + took_list + took_open + took_escalate + took_close)
    return {name: summary(values) for name, values in steps.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concerns", type=int, default=20)
    parser.add_argument("--queue", type=int, default=500, help="Older concerns already in the queue.")
    parser.add_argument("--no-save", action="store_true", help="Print only; do not write bench/results.")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="staffroom-dsl-path-bench-") as tmp:
        setup(Path(tmp) / "data")
        from django.db import connection

        report = {
            "benchmark": "dsl_path",
            "date": dt.date.today().isoformat(),
            "database": connection.vendor,
            "concerns": options.concerns,
            "queue": options.queue,
            "steps": run(options.concerns, options.queue),
            "cpu_count": os.cpu_count(),
        }
    print(json.dumps(report, indent=2))
    if not options.no_save:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / f"dsl-path-{report['date']}.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
