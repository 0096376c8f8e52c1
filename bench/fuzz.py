"""The long fuzz run: every generated-input test with twenty times the CI examples.

    .venv/bin/python bench/fuzz.py [extra pytest arguments]

CI runs the same tests bounded (tests/support/fuzzing.py); this run draws fresh random examples
each time, so it can find what the derandomised CI run cannot. Prints the time taken.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FUZZ_TESTS = sorted(str(path) for path in (REPO / "tests").glob("test_fuzz_*.py"))


def main() -> int:
    """Run the fuzz tests in long mode; the exit code is pytest's."""
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *FUZZ_TESTS,
            *sys.argv[1:],
        ],
        cwd=REPO,
        env={**os.environ, "WEERBAAR_FUZZ_LONG": "1"},
        check=False,
    )
    print(f"fuzz (long): {time.monotonic() - started:.0f} s")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
