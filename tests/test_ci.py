""".ci/run: lint runs even when a test fails, both results are reported, and the run fails if
either did (python, ruff, Xvfb and chromium replaced by stubs that record being run)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(sys.platform == "win32" or shutil.which("bash") is None, reason="needs bash on a POSIX system")
@pytest.mark.parametrize(("tests", "lint"), [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_ci_runs_lint_even_when_a_test_fails_and_reports_both(tmp_path, tests, lint):
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stubs = {
        "python": 'if [ "$1 $2" = "-m pytest" ]; then echo pytest >> "$LOG"; exit "$TESTS_RC"; fi\n'
                  'echo "python $*" >> "$LOG"; exit 0\n',
        "ruff": 'echo ruff >> "$LOG"; exit "$LINT_RC"\n',
        "Xvfb": "exit 0\n", "chromium": "exit 0\n",
        "apt-get": 'echo apt-get >> "$LOG"; exit 1\n',
    }
    for name, body in stubs.items():
        stub = bin_dir / name
        stub.write_text("#!/bin/sh\n" + body, encoding="utf-8")
        stub.chmod(0o755)
    log = tmp_path / "log"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "LOG": str(log),
           "TESTS_RC": str(tests), "LINT_RC": str(lint)}
    done = subprocess.run(["bash", str(tmp_path / ".ci" / "run")], env=env, capture_output=True, text=True,
                          timeout=60)
    ran = log.read_text(encoding="utf-8").splitlines()
    assert ran == ['python -m pip install -e .[test]', "pytest", "ruff"], ran
    assert (done.returncode == 0) == (tests == 0 and lint == 0), done.stdout + done.stderr
    assert f"pytest exit code {tests}" in done.stdout and f"ruff exit code {lint}" in done.stdout
