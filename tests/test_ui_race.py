"""A race you can see (issue 16, item 5), in the window: the charts screen's scoreboard with
Korea highlighted, and the end-of-term screen with the no-action comparison, turning points that
name levers, and grade labels in a margin clear of the index line."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import pytest
from uitools import running_app

from game.ui import report
from game.ui.session import Session


@pytest.fixture
def app(tmp_path):
    with running_app(Session("baseline", 7, saves_dir=tmp_path, autosave=False, ai="team_korea")) as game:
        game.frame()
        yield game


def test_the_charts_screen_ranks_every_country_and_highlights_korea(app):
    for _ in range(6):
        app.session.end_turn([])
    app.rebuild()
    app.toggle_charts()
    app.frame()
    rows = app.charts.race_rows
    world = app.session.world
    assert {r.code for r in rows} == set(world.countries) and rows[0].now >= rows[-1].now
    cell = next(rect for key, rect in app.charts.cells if key == "score:KOR")
    korea = next(r for r in rows if r.code == "KOR")
    assert cell.y > next(rect for key, rect in app.charts.cells if key == f"score:{rows[0].code}").y or korea.rank == 1
    seen = {app.screen.get_at((x, cell.centery))[:3] for x in range(cell.x + 2, cell.right - 2, 3)}
    assert (52, 50, 18) in seen, "Korea's row on its highlight"
    assert app.charts.key_at(cell.center) == "score:KOR", "a click on a row asks why that score moved"
    app.set_language("ko")
    app.frame()
    assert next(r for r in app.charts.race_rows if r.code == "KOR").name == "한국"


def test_the_end_screen_compares_with_doing_nothing_and_names_levers(app):
    app.choice_script = [0] * 20
    while not app.session.finished:
        app.session.end_turn([])
    app.rebuild()
    app.frame()
    world = app.session.world
    versus = app.end_versus
    assert versus["played"] == pytest.approx(report.final_index(world)) and versus["difference"] > 0
    assert versus["whatif"] == pytest.approx(app.charts.baseline_history(world)[-1]["korea_index"]["total"])
    labels = [app.fonts.font(12).size(f"{g} {low:.0f}")[0] for g, low in [("D", 25.0), ("A", 70.0)]]
    assert app.term_plot.x - app.END_RECT.x - 28 >= max(labels), "the grade labels have a margin of their own"
    low, high = app.end.term_range  # the scale fitted to the two lines, not 0-100 (a flat band then)
    lines = report.score_series(world) + [h["score"]["KOR"] for h in app.charts.baseline_history(world)]
    assert low <= min(lines) and max(lines) <= high and high - low >= 20
    assert high - low <= max(lines) - min(lines) + 20, (low, high)
    assert all(tp["drivers"] for tp in report.turning_points(world, "en"))
