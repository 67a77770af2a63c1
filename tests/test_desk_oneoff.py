"""A team's own one-off levers on the desk (issue 14, each country's own levers "in the desk when
a team plays that country"): state equity into each home firm (a producer's may pay for a project
the state decides) and, for a state whose rules reach abroad, export controls by good. The same
rows feed the desktop desk and the classroom's browser desk (game/desk_levers.py)."""

from __future__ import annotations

import pytest

from game.actions import Equity, ExportControl
from game.desk_levers import check_values, lever_sections, read_settings, staged_actions
from game.session import Session


@pytest.fixture
def session(tmp_path):
    s = Session("baseline", 7, saves_dir=tmp_path, autosave=False, humans=("KOR", "USA", "CHN"))
    yield s
    s.close()


def rows(sections, title):
    return next(rows for t, rows in sections if t == title)


def test_equity_rows_for_every_home_firm_and_a_project_toggle_for_producers(session):
    view = session.view("KOR")
    settings = read_settings(view)
    sections = lever_sections(view, settings, "en")
    equity = rows(sections, "lever.equity")
    sliders = [r.key for r in equity if not isinstance(r, tuple)]
    assert "equity:Rebellions" in sliders and "equity:Samsung Foundry" in sliders and "equity:SK hynix" in sliders
    toggles = [r[1] for r in equity if isinstance(r, tuple) and r[0] == "toggle"]
    assert "equity.build:Samsung Foundry" in toggles and "equity.build:Rebellions" not in toggles
    # a one-off: every quarter starts at none, and none stages nothing
    assert all(settings.base[k] == 0 for k in sliders) and staged_actions(settings, settings.base, "en") == ([], None)
    values = {**settings.base, "equity:Rebellions": 60, "equity:Samsung Foundry": 100,
              "equity.build:Samsung Foundry": True}
    assert check_values(settings, sections, {"equity:Rebellions": 60, "equity.build:Samsung Foundry": True}) is None
    assert check_values(settings, sections, {"equity:Rebellions": 55}) is not None  # off the step grid
    actions, reason = staged_actions(settings, values, "en")
    assert reason is None
    assert view.cost(actions) - view.cost([]) == pytest.approx(160e9)  # the desk's "cost this quarter"
    assert Equity(firm="Rebellions", amount=60e9) in actions
    assert Equity(firm="Samsung Foundry", amount=100e9, build=True) in actions
    samsung = session.world.by_name["Samsung Foundry"]
    cash, pipeline = session.world.by_name["Rebellions"].cash, list(samsung.pipeline)
    session.end_turn(actions)
    assert session.world.by_name["Rebellions"].cash != cash
    size = 100e9 / session.world.countries["KOR"].usd_rate / 1e9 / samsung.capex_per_unit
    assert any(p not in pipeline and p[1] == pytest.approx(size) for p in samsung.pipeline)  # the state's project
    assert read_settings(session.view("KOR")).base["equity:Rebellions"] == 0  # next quarter starts at none again


def test_export_control_toggles_only_where_a_state_reaches_and_done_once_in_force(session):
    korea = lever_sections(session.view("KOR"), read_settings(session.view("KOR")), "en")
    assert "lever.export_control" not in [t for t, _ in korea]  # Korea has no such lever in the baseline
    view = session.view("USA")
    settings = read_settings(view)
    sections = lever_sections(view, settings, "en")
    toggles = {r[1]: r for r in rows(sections, "lever.export_control")}
    assert set(toggles) == {f"export_control:{g}|CHN" for g in ("accelerator", "hbm", "wafer", "packaging")}
    assert toggles["export_control:hbm|CHN"][2] == "HBM memory to China"
    korean = {r[1]: r[2] for r in rows(lever_sections(view, settings, "ko"), "lever.export_control")}
    assert korean["export_control:hbm|CHN"] == "중국행 HBM 메모리"
    assert not settings.base["export_control:accelerator|CHN"]  # the baseline's rule has a threshold
    actions, _ = staged_actions(settings, {**settings.base, "export_control:accelerator|CHN": True}, "en")
    assert actions == [ExportControl(good="accelerator", to_countries=["CHN"])]
    session.end_turn({"USA": actions})
    after = read_settings(session.view("USA"))
    assert after.base["export_control:accelerator|CHN"] is True  # accepted, waiting out its lag: done
    assert staged_actions(after, {**after.base, "export_control:accelerator|CHN": True}, "en") == ([], None)
    for _ in range(session.world.scenario.levers.lags["export_control"]):
        session.end_turn([])
    assert session.world.export_rules.threshold("accelerator", "USA", "CHN") == 0.0  # in force: every chip
    assert read_settings(session.view("USA")).base["export_control:accelerator|CHN"] is True  # never lifted


def test_china_has_equity_with_projects_but_no_export_controls(session):
    view = session.view("CHN")
    titles = [t for t, _ in lever_sections(view, read_settings(view), "ko")]
    assert "lever.equity" in titles and "lever.export_control" not in titles
