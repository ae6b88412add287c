"""How fast the learner's commands feel: each command as a real subprocess, several repeats.

Runs against the small fixture book in tests/fixtures (a light pure-Python lab), in a throwaway
progress home and workspace, and prints one JSON line per command with the median wall time.

    python benchmarks/bench_course.py [--repeats 7]

Targets: `--help`, `list` and `show` under 0.5 s; `check` on a light lab under 2 s end to end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def _time(cmd: list[str], env: dict[str, str], expect: set[int]) -> float:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if p.returncode not in expect:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "Z2H_BOOK": str(FIXTURES / "book"),
            "Z2H_HOME": str(Path(tmp) / "home"),
            "Z2H_WORKSPACE": str(Path(tmp) / "work"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(FIXTURES),
                                                         os.environ.get("PYTHONPATH")])),
        }
        z2h = [sys.executable, "-m", "zero2hero"]
        subprocess.run([*z2h, "start", "1.3"], env=env, capture_output=True, check=True)
        learner = Path(tmp) / "work" / "01.03" / "norms.py"
        learner.write_text((FIXTURES / "z2h_fixture_lib" / "norms.py").read_text())
        cases = {
            "z2h --help": ([*z2h, "--help"], {0}),
            "z2h list": ([*z2h, "list"], {0}),
            "z2h show 01.02": ([*z2h, "show", "1.2"], {0}),
            "z2h check 01.03": ([*z2h, "check", "1.3"], {0}),
            "z2h answer 01.02 (sympy)": ([*z2h, "answer", "1.2", "s - s^2"], {0}),
        }
        for name, (cmd, expect) in cases.items():
            _time(cmd, env, expect)  # warm the OS file cache
            times = [_time(cmd, env, expect) for _ in range(args.repeats)]
            print(json.dumps({
                "bench": name, "median_s": round(statistics.median(times), 4),
                "min_s": round(min(times), 4), "max_s": round(max(times), 4),
                "repeats": args.repeats,
            }))


if __name__ == "__main__":
    main()
