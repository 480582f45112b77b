"""The independent check: scim2-tester (through `scim2 test`, PyPI's scim2-cli) run against a real Staffroom
server on a loopback port, with a token from `staffroom create_scim_token`. Every check must be SUCCESS: it
creates, reads, lists, searches, replaces, patches (add, replace, remove of every attribute the schemas offer)
and deletes users and groups, and probes discovery, errors and methods."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.servers import REPO_ROOT, staffroom_server

STATUS = re.compile(r"^(SUCCESS|COMPLIANT|ACCEPTABLE|DEVIATION|ERROR|CRITICAL|SKIPPED) (\S+)", re.MULTILINE)


def _scim2() -> str:
    for candidate in (Path(sys.executable).with_name("scim2"), REPO_ROOT / ".venv" / "bin" / "scim2"):
        if candidate.exists():
            return str(candidate)
    pytest.fail("scim2 (PyPI scim2-cli, a dev dependency) is not installed: run `uv sync`.")


def test_scim2_tester_finds_nothing_wrong(tmp_path_factory):
    with staffroom_server(tmp_path_factory, name="scim") as server:
        token = server.command(
            "create_scim_token", "--label", "scim2-tester", "--domain", "oakfield.example", "--school", "Oakfield High"
        ).strip()
        assert re.fullmatch(r"srscim_[\w-]+", token), "create_scim_token must print the token alone"
        env = {**os.environ, "SCIM_CLI_HEADERS": f"Authorization: Bearer {token}", "NO_COLOR": "1"}
        result = subprocess.run(
            [_scim2(), "--url", server.url("/scim/v2"), "test", "--verbose"],
            env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    output = result.stdout + result.stderr
    statuses = Counter(status for status, _title in STATUS.findall(output))
    checks = sum(statuses.values())
    summary = f"scim2 test: {checks} checks, " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    failures = [line for line in output.splitlines() if STATUS.match(line) and not line.startswith("SUCCESS")]
    assert result.returncode == 0 and checks > 50 and statuses["SUCCESS"] == checks, (
        f"{summary}\n" + "\n".join(failures) + f"\n--- scim2 output ---\n{output[-20000:]}"
    )
    print(summary)
