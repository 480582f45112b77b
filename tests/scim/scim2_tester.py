"""Run the independent SCIM tester (`scim2 test`, PyPI's scim2-cli, which runs scim2-tester) against a running
Staffroom server, with a token made by `staffroom create_scim_token`, and sum up what it found."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import REPO_ROOT, StaffroomServer

STATUS = re.compile(r"^(SUCCESS|COMPLIANT|ACCEPTABLE|DEVIATION|ERROR|CRITICAL|SKIPPED) (\S+)", re.MULTILINE)


@dataclass
class Report:
    returncode: int
    statuses: Counter[str]
    output: str

    @property
    def checks(self) -> int:
        return sum(self.statuses.values())

    @property
    def summary(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.statuses.items()))
        return f"scim2 test: {self.checks} checks, {counts}"

    @property
    def all_succeeded(self) -> bool:
        return self.returncode == 0 and self.checks > 50 and self.statuses["SUCCESS"] == self.checks

    def explain(self) -> str:
        failures = [line for line in self.output.splitlines() if STATUS.match(line) and not line.startswith("SUCCESS")]
        return f"{self.summary}\n" + "\n".join(failures) + f"\n--- scim2 output ---\n{self.output[-20000:]}"


def _scim2() -> str:
    for candidate in (Path(sys.executable).with_name("scim2"), REPO_ROOT / ".venv" / "bin" / "scim2"):
        if candidate.exists():
            return str(candidate)
    pytest.fail("scim2 (PyPI scim2-cli, a dev dependency) is not installed: run `uv sync`.")


def run(server: StaffroomServer) -> Report:
    token = server.command(
        "create_scim_token", "--label", "scim2-tester", "--domain", "oakfield.example", "--school", "Oakfield High"
    ).strip()
    assert re.fullmatch(r"srscim_[\w-]+", token), "create_scim_token must print the token alone"
    # The token goes in the environment, not on the command line, where others on the machine could read it.
    env = {**os.environ, "SCIM_CLI_HEADERS": f"Authorization: Bearer {token}", "NO_COLOR": "1"}
    result = subprocess.run(
        [_scim2(), "--url", server.url("/scim/v2"), "test", "--verbose"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    return Report(result.returncode, Counter(status for status, _title in STATUS.findall(output)), output)
