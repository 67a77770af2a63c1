"""The results database under trouble (issue 12): a full disk, damaged pages, a read-only folder,
an empty --out and hostile score component names are clear errors (finished games kept, never a
traceback): exit 1 when the environment failed a right command (a full disk, damaged pages, an
I/O error), exit 2 when the command must change (a read-only or empty --out). Their messages live
in assets/strings in both languages. --verify compares at the project's stated precision
(game/precision.py), so a database made on another CPU verifies here."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from clitools import run_cli as cli

from game.tournament import store as store_module
from game.tournament import worker
from game.tournament.store import Store, StoreError

ROOT = Path(__file__).resolve().parent.parent


def count(folder: Path) -> int:
    db = sqlite3.connect(folder / "results.sqlite")
    try:
        return db.execute("SELECT COUNT(*) FROM games").fetchone()[0]
    finally:
        db.close()


def run(out: Path, *extra: str, seeds: int = 2) -> tuple[int, str, str]:
    return cli("tournament", "--strategies", "laissez_faire,all_nvidia", "--seeds", str(seeds), "--out", str(out),
               "--workers", "0", "--quiet", "--no-plots", *extra)


def test_a_full_disk_stops_the_run_with_a_message_and_keeps_the_recorded_games(tmp_path, monkeypatch):
    """SQLite's "database or disk is full", made real with PRAGMA max_page_count: the run stops
    with a message (exit 1: the environment failed, not the command; no traceback) saying how many
    games are kept, and once there is room the same command finishes the rest."""
    real_init = Store.__init__

    def small_disk(self, path):
        real_init(self, path)
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count = {pages + 3}")

    monkeypatch.setattr(Store, "__init__", small_disk)
    out = tmp_path / "out"
    argv = ["tournament", "--strategies", "laissez_faire,all_nvidia", "--seeds", "40", "--out", str(out),
            "--workers", "2", "--quiet", "--no-plots"]
    code, _out, err = cli(*argv, "--batch", "5")
    assert code == 1 and "the disk is full" in err and "Traceback" not in err, err
    kept = count(out)
    assert 0 < kept < 80 and f"The {kept} games recorded before are kept" in err
    monkeypatch.setattr(Store, "__init__", real_init)
    code, stdout, err = cli(*argv)
    assert code == 0 and f"{kept} already in the database" in stdout, err
    assert count(out) == 80


def test_damaged_pages_are_a_clear_error_that_changes_nothing(tmp_path):
    out = tmp_path / "out"
    assert run(out, seeds=8)[0] == 0
    database = out / "results.sqlite"
    data = bytearray(database.read_bytes())
    assert len(data) >= 3 * 4096  # a page in the middle, not the header
    middle = len(data) // 2
    data[middle - 2048:middle + 2048] = os.urandom(4096)
    database.write_bytes(bytes(data))
    before = database.read_bytes()
    code, _out, err = run(out, seeds=8)
    assert code == 1 and "is damaged" in err and "--restart" in err and "Traceback" not in err, err
    assert database.read_bytes() == before
    code, _out, err = run(out, "--restart", seeds=8)  # the way on that the message names
    assert code == 0 and count(out) == 16, err


def _read_only_run(folder: Path, argv: list[str]) -> subprocess.CompletedProcess:
    """The command on `folder` made read-only: by its mode for an ordinary user; for root (whom
    modes do not stop) by a read-only bind mount in a private mount namespace."""
    command = [sys.executable, str(ROOT / "main.py"), *argv]
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        finally:
            folder.chmod(0o755)
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare: no way to make a folder read-only")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    done = subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", str(folder), *command], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if "mount" in done.stderr and done.returncode != 2:
        pytest.skip(f"cannot make a read-only mount here: {done.stderr.strip()[:200]}")
    return done


def test_a_read_only_results_folder_is_named_as_such(tmp_path):
    out = tmp_path / "out"
    argv = ["tournament", "--strategies", "laissez_faire,all_nvidia", "--seeds", "1", "--out", str(out),
            "--workers", "0", "--quiet", "--no-plots"]
    assert cli(*argv)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    done = _read_only_run(out, [*argv, "--seeds", "2"])  # a game to add
    assert done.returncode == 2 and "read-only" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert "not a tournament database" not in done.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_an_empty_out_is_refused_rather_than_writing_into_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for empty in ("", "  "):
        code, _out, err = cli("tournament", "--strategies", "laissez_faire", "--seeds", "1", "--out", empty,
                              "--workers", "0", "--quiet")
        assert code == 2 and "--out" in err and "Traceback" not in err, err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", ['quote"d', "x REAL); DROP TABLE games; --", 'c_"; --', "spaced name", "ünïcode"])
def test_any_score_component_name_is_only_a_column_name(tmp_path, key):
    """The store quotes identifiers itself, whatever the scenario validator lets through."""
    store = Store(tmp_path / "results.sqlite")
    row = {"strategy": "s", "role": "KOR", "seed": 1, "scenario": "x", "outcome": "ok", "total": 5.0,
           "components": {key: 1.5, "plain": 2.5}}
    store.add([row])
    store.add([{**row, "seed": 2, "components": {key: 3.5, "plain": 0.5}}])
    rows = store.rows()
    assert [(r[f"c_{key}"], r["c_plain"]) for r in rows] == [(1.5, 2.5), (3.5, 0.5)]
    assert store.count() == 2 and "games" in {t for (t,) in store.db.execute("SELECT name FROM sqlite_master")}
    store.export_csv(tmp_path / "games.csv")
    store.close()


def test_store_errors_are_classified_by_sqlites_own_codes(tmp_path):
    (tmp_path / "notes.sqlite").write_bytes(b"not a database at all " * 300)
    with pytest.raises(StoreError) as caught:
        Store(tmp_path / "notes.sqlite")
    assert caught.value.kind == "not_database"
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = sqlite3.SQLITE_FULL
    assert store_module.classify(error, tmp_path / "x.sqlite").kind == "full"


# --- --verify at the stated precision ---------------------------------------------------------------------------------

@pytest.fixture
def recorded(tmp_path, monkeypatch):
    """A database of 4 games, then a "code change" that --verify must judge."""
    from game.tournament import meta

    out = tmp_path / "out"
    assert run(out)[0] == 0
    monkeypatch.setattr(meta, "code_version", lambda: "0.1.0+elsewhere")
    return out


def _replay_with(monkeypatch, nudge) -> None:
    real = worker.play_lineup

    def nudged(*args, **kwargs):
        rows = real(*args, **kwargs)
        for row in rows:
            row["total"] = nudge(row["total"])
            row["components"] = {k: nudge(v) for k, v in row["components"].items()}
        return rows

    monkeypatch.setattr(worker, "play_lineup", nudged)


def test_verify_accepts_results_another_cpu_could_give(recorded, monkeypatch):
    """The last bit of every float, as numpy's exp/log on AVX-512 against AVX2 may leave it."""
    _replay_with(monkeypatch, lambda x: float(np.nextafter(x, np.inf)))
    code, stdout, err = run(recorded, "--verify", "4")
    assert code == 0 and "4 recorded games re-played" in stdout, err
    assert count(recorded) == 4


def test_verify_still_refuses_a_result_that_moved(recorded, monkeypatch):
    _replay_with(monkeypatch, lambda x: x * (1 + 1e-6))
    before = (recorded / "results.sqlite").read_bytes()
    code, _stdout, err = run(recorded, "--verify", "4")
    assert code == 2 and "total: " in err and "against" in err and "Traceback" not in err, err
    assert (recorded / "results.sqlite").read_bytes() == before


# --- which failure is whose: the environment's (exit 1) or the command's (exit 2) ------------------------------------

@pytest.mark.parametrize(("kind", "code"), [("full", 1), ("io", 1), ("damaged", 1), ("read_only", 2),
                                            ("something new", 1)])
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_each_store_failure_reads_its_message_from_the_strings_and_exits_by_whose_failure_it_is(
        tmp_path, monkeypatch, kind, code, lang):
    from game.text import tr
    from game.tournament import run as run_module

    def fails(options, outcome, ctrl_c):
        outcome.played = 7
        raise StoreError(kind, tmp_path / "results.sqlite", "the detail")

    monkeypatch.setattr(run_module, "_run", fails)
    exit_code, out, err = cli("tournament", "--strategies", "laissez_faire", "--seeds", "1", "--out", str(tmp_path),
                              "--workers", "0", "--quiet", "--lang", lang)
    known = kind if kind in run_module.STORE_KINDS else "io"
    template = tr(f"tournament.store.{known}", lang)
    assert template != f"tournament.store.{known}"  # the key exists
    assert exit_code == code and out == "" and "Traceback" not in err, err
    assert err == "error: " + template.format(db=tmp_path / "results.sqlite", detail="the detail", done=7) + "\n"
    assert ("{done}" in template) == (known in ("full", "io"))
    if lang == "ko":
        assert re.search(r"[\uac00-\ud7a3]", err) and "Nothing was changed" not in err and "kept" not in err


def test_the_store_messages_have_the_same_placeholders_in_both_languages():
    import string

    from game.text import tr
    from game.tournament.run import STORE_KINDS

    for key in [f"tournament.store.{kind}" for kind in STORE_KINDS] + ["tournament.verified"]:
        fields = [{f for _, f, _, _ in string.Formatter().parse(tr(key, lang)) if f} for lang in ("en", "ko")]
        assert fields[0] == fields[1] and fields[0], key
    assert "precision" in tr("tournament.verified", "en") and "정밀도" in tr("tournament.verified", "ko")


def test_a_board_that_cannot_be_written_is_the_environments_failure(tmp_path, monkeypatch):
    """The database took the folder a moment ago; the CSV beside it fails (a disk filling up)."""
    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Store, "export_csv", full)
    code, out, err = run(tmp_path / "out", seeds=1)
    assert code == 1 and out == "" and "No space left on device" in err and "results.sqlite" in err, err
    assert count(tmp_path / "out") == 2


def test_ctrl_c_while_the_board_is_printed_ends_with_130_and_no_traceback(tmp_path, monkeypatch):
    """The games are recorded and run_tournament has returned (its Ctrl-C handling is over) when
    the press lands in the CLI's printing of the board."""
    from game.cli import main
    from game.tournament import run as run_module

    monkeypatch.setattr(run_module, "run_tournament", lambda options: run_module.Outcome(text="the board\n" * 50))

    class PressedWhilePrinting(io.StringIO):
        def write(self, text):
            raise KeyboardInterrupt

    err = io.StringIO()
    with contextlib.redirect_stdout(PressedWhilePrinting()), contextlib.redirect_stderr(err):
        code = main(["tournament", "--strategies", "laissez_faire", "--seeds", "1", "--out", str(tmp_path)])
    assert code == 130 and "Traceback" not in err.getvalue() and "interrupted" in err.getvalue()
