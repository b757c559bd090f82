"""The benchmark harness runs end to end: real server, separate load process, JSON result.

Only that it works is checked, never how fast: timings on a shared two-core machine say nothing
in a one-second run, and a test that fails on a slow day teaches people to ignore tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The test process's own configuration must not leak into the benchmarked server, which is
# configured as production; the services it should use (DATABASE_URL, REDIS_URL) do carry over.
NOT_INHERITED = ("TRUSTMART_TESTING", "DJANGO_SETTINGS_MODULE", "TRUSTMART_DATA_DIR")


def test_hello_benchmark_prints_a_json_result() -> None:
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "hello",
         "--duration", "1", "--warmup", "0.2", "--rounds", "1", "--connections", "4"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    for key in ("bench", "value", "unit", "baseline", "ratio"):
        assert key in result, key
    assert result["bench"] == "hello"
    assert result["value"] > 0
    assert result["baseline"] > 0


def test_settle_benchmark_runs_small() -> None:
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "settle", "--count", "40", "--earners", "5"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["bench"] == "settle" and result["count"] == 40
    assert result["value"] > 0 and result["baseline"] > 0
