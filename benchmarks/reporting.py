"""What the benchmarks that keep a table in docs/ share: which code made the numbers, and how the
table is printed and kept. Light on purpose (no Mesa, no game import), so a script can name its
code before it plays anything."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def git_describe() -> str:
    """`git describe --always --dirty`, or why there is none (a tree exported without git)."""
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"


def source_digest() -> str:
    """A digest of the model's source and scenarios (game/, agents/, assets/scenarios/), so that
    numbers made on a working tree with uncommitted changes ("-dirty") can still be tied to the
    code that made them."""
    digest = hashlib.sha256()
    files = [*ROOT.glob("game/**/*.py"), *ROOT.glob("agents/**/*.py"), *ROOT.glob("assets/scenarios/*.toml")]
    for path in sorted(files):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def publish(text: str, doc: Path, write: bool) -> None:
    """Print a generated table; with `--write` also keep it as `doc` (those files are regenerated,
    never edited by hand)."""
    print(text)
    if write:
        doc.write_text(text, encoding="utf-8")
        print(f"wrote {doc.relative_to(ROOT)}", file=sys.stderr)
