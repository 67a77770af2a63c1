"""The debrief written in the background (issue 16 item 7): the end screen's Export returns at
once, the window goes on drawing frames and answering while a child process (a thread where
fork is unsafe) writes the page, the end screen shows the step it is really on, and the page
is the same as the command line's. Frame times during the export are measured in
benchmarks/bench_export.py, not here."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import time

import pygame
import pytest
from uitools import click, post, running_app

from game.text import tr
from game.ui.app import EXPORT_FPS
from game.ui.exporter import STEPS, Export
from game.ui.session import Session


@pytest.fixture
def finished(tmp_path):
    session = Session("lesson_bottlenecks", 7, ai="team_korea", saves_dir=tmp_path, autosave=False)
    while not session.finished:
        session.end_turn([])
    with running_app(session) as app:
        app.curtain = None
        app.frame()
        yield app


def test_export_runs_in_the_background_and_the_window_keeps_answering(finished):
    app = finished
    export = next(b for b, k in app.end_buttons.items() if k == "export")
    click(app, export.rect.center)
    job = app.exporting
    assert job is not None and app.report_path.exists(), "the summary at once, the debrief under way"
    seen, frames = [], 0
    while app.exporting is not None and frames < 20000:
        post(pygame.MOUSEMOTION, pos=(100 + frames % 50, 100), rel=(1, 0), buttons=(0, 0, 0))
        app.frame()  # events handled and a frame drawn while the page is written
        frames += 1
        assert app.pointer == (100 + (frames - 1) % 50, 100), "the mouse is followed while the page is written"
        if app.exporting is not None:
            seen.append(app.exporting.step)
        time.sleep(0.005)
    assert app.exporting is None and frames > 5, "several frames were drawn during the export"
    steps = list(dict.fromkeys(seen))
    assert steps == [s for s in STEPS if s in steps] and len(steps) >= 2, f"real steps, in order: {steps}"
    assert app.debrief_path is not None and app.debrief_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert app.toast[0].startswith(tr("ui.end.exported", "en"))


def test_the_end_screen_shows_the_step_under_way(finished):
    app = finished
    app.export_report()
    shown = []
    real = app.fonts.fit

    def fit(text, *args, **kwargs):
        shown.append(text)
        return real(text, *args, **kwargs)

    app.fonts.fit = fit
    app.draw()
    job = app.exporting
    wanted = tr("ui.export.progress", "en").format(step=tr(f"ui.export.{job.step}", "en"), n=job.step_number,
                                                    total=len(STEPS), seconds=job.elapsed)
    assert any(text.split(",")[0] == wanted.split(",")[0] for text in shown), "the step, not a promise of seconds"
    post(pygame.KEYDOWN, key=pygame.K_z, mod=pygame.KMOD_LCTRL, unicode="", scancode=0)
    app.frame()
    assert app.session.finished and app.toast[0] == tr("ui.undo.exporting", "en"), "no undo under the export"
    job.wait()
    app.update(0.0)
    assert app.exporting is None and app.debrief_path is not None


def test_the_thread_fallback_writes_the_same_page(finished, tmp_path):
    world = finished.session.world
    forked = Export(world, "lesson_bottlenecks", tmp_path / "a.html", use_fork=True)
    threaded = Export(world, "lesson_bottlenecks", tmp_path / "b.html", use_fork=False)
    assert forked.wait() and threaded.wait()
    assert forked.error is None and threaded.error is None
    assert forked.path.read_bytes() == threaded.path.read_bytes()


def test_a_failing_export_is_reported_in_the_window(finished, monkeypatch):
    from game.report.debrief import DebriefError
    from game.ui import exporter

    def failing(world, scenario_name, out, say, team=None):
        say("replay")
        raise DebriefError("disk full")

    monkeypatch.setattr(exporter, "build_debrief", failing)  # the child is forked with it
    app = finished
    app.export_report(wait=True)
    assert app.exporting is None and app.debrief_path is None
    assert app.toast[0] == f"{tr('ui.end.export_failed', 'en')}: disk full"


class _StillWriting:
    """An export that stays at one step: the window's pacing while a debrief is written, without
    racing a real child process."""

    step, step_number, elapsed, team = "charts", STEPS.index("charts") + 1, 1.0, None

    def poll(self) -> bool:
        return False


def test_an_export_with_no_input_redraws_a_few_times_a_second_not_sixty(finished):
    app = finished
    app.exporting = _StillWriting()
    app.toast = ("", 0.0)
    app.last_input = app.t - 60.0  # no input for a minute
    pygame.event.clear()
    try:
        draws = sum(app.tick(1 / 60) for _ in range(120))  # two seconds of a busy loop
        assert 2 * EXPORT_FPS - 2 <= draws <= 2 * EXPORT_FPS + 1, f"{draws} whole frames in two seconds"
        assert 0 < app.next_frame_in() <= 1 / EXPORT_FPS, "the loop sleeps until the progress line's next frame"
        post(pygame.MOUSEMOTION, pos=(200, 200), rel=(1, 0), buttons=(0, 0, 0))
        assert app.tick(1 / 60), "input still draws at once"
    finally:
        app.exporting = None
