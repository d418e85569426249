"""Running a benchmark as its smoke test does: its own process, tiny sizes, JSON out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parents[1] / "bench"


def run_bench(script: str, *args: str, timeout: float = 120) -> dict[str, Any]:
    """Run `bench/<script>` with `args` in a new interpreter and return the figures it
    printed. Fails the test, showing the bench's stderr, when it exits non-zero."""
    result = subprocess.run(
        [sys.executable, str(BENCH_DIR / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
