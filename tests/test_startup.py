"""A headless `sim` imports what it needs (issue 15, "Startup"): Mesa's Model and Agent without
the rest of Mesa's package (its experimental parts import scipy, its DataCollector pandas, its
space networkx), and the rest of Mesa still there, whole, for whoever asks (game/mesa_core.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import contextlib, io, json, sys
from game.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["sim", "--turns", "2", "--json"])
seen = {name: name in sys.modules for name in ("pandas", "scipy", "networkx", "mesa.experimental")}
import mesa
from mesa import batch_run
import game.model
world = game.model.World(__import__("game.scenario").scenario.load_scenario("baseline"), 1, tables=True)
world.step()
frame = world.datacollector.get_model_vars_dataframe()
print(json.dumps({"seen": seen, "version": mesa.__version__, "batch_run": callable(batch_run),
                  "same_model": mesa.Model is game.model.Model,
                  "collector": isinstance(world.datacollector, mesa.DataCollector),
                  "rows": len(frame), "pandas_now": "pandas" in sys.modules}))
"""


def test_sim_imports_no_pandas_scipy_or_networkx_and_mesa_is_whole_when_asked() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["seen"] == {"pandas": False, "scipy": False, "networkx": False, "mesa.experimental": False}
    assert found["version"] and found["batch_run"] and found["same_model"] and found["collector"]
    assert found["rows"] == 2 and found["pandas_now"]  # step 0 and step 1; the tables brought pandas in
