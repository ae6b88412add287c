"""The fast commands stay fast: `z2h --help`, `z2h list` and `z2h show` never import the heavy
libraries (torch, numpy, sympy). Checked in a fresh interpreter through `sys.modules`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BOOK = Path(__file__).parent / "fixtures" / "book"
HEAVY = ("torch", "numpy", "sympy")

PROBE = f"""
import json, sys
HEAVY = {HEAVY!r}
sys.argv = ["z2h", *json.loads(sys.argv[1])]
from zero2hero.cli import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
print("\\nHEAVY=" + json.dumps([m for m in HEAVY if m in sys.modules]), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["list"], ["show", "1.2"], [], ["hint", "1.1"]],
                         ids=["help", "list", "show", "dashboard", "hint"])
def test_light_commands_import_nothing_heavy(args: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "Z2H_BOOK": str(BOOK), "Z2H_HOME": str(tmp_path / "home"),
           "Z2H_WORKSPACE": str(tmp_path / "work")}
    p = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True,
                       text=True, env=env, timeout=60)
    line = [x for x in p.stderr.splitlines() if x.startswith("HEAVY=")]
    assert line, p.stderr
    assert json.loads(line[-1][len("HEAVY="):]) == [], f"z2h {' '.join(args)} imported them"
    assert "Traceback" not in p.stderr
