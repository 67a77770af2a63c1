"""The desktop desk tells the truth (issue 16, item 3), headless with real pygame events: the
centre's opening note goes once it is open, the volume says whether it follows the plan, the
Actions waiting out their lag are listed, and a new subsidy's cost shows once forecast."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import pytest
from uitools import running_app

from game.actions import ChipIncentive
from game.text import tr
from game.ui.session import Session


@pytest.fixture
def app(tmp_path):
    with running_app(Session("baseline", 7, saves_dir=tmp_path, autosave=False)) as game:
        game.frame()
        yield game


def texts(desk) -> list[str]:
    return [getattr(e, "text", "") or "" for e in desk.scroll.get_container().elements]


def test_the_opening_note_goes_once_the_centre_is_open_without_a_new_window(app):
    opens = tr("ui.desk.centre_opens", "en").split("{")[0]
    assert any(t.startswith(opens) for t in texts(app.desk))
    for _ in range(3):  # 2025Q1..Q3 played: the desk now decides 2025Q4, when the centre opens
        app.session.end_turn([])
        app.rebuild()
    assert not any(t.startswith(opens) for t in texts(app.desk))
    assert app.desk.plan_label is not None and app.desk.plan_text.startswith("Follows the plan:")


def test_the_volume_says_it_replaces_the_plan_and_a_slider_snaps_back_to_it(app):
    desk = app.desk
    plan = desk.settings.plan
    slider = desk.slider("procurement.budget")
    desk.set_value("procurement.budget", 130)
    assert "62% below the plan now" in desk.plan_text
    lever = desk.widgets[slider][1]
    assert desk.snap(lever, plan + 3) == plan and desk.snap(lever, plan + 7) == round((plan + 7) / 10) * 10
    desk.set_value("procurement.budget", plan)
    assert desk.plan_text.startswith("Follows the plan:") and desk.actions == []


def test_scheduled_actions_and_a_new_subsidys_cost_are_on_the_desk(app):
    app.session.end_turn([ChipIncentive(rate=0.2)])
    app.rebuild()
    desk = app.desk
    assert desk.scheduled and "From 2025Q2: Home-chip incentive for LLM developers 20%" in desk.scheduled_box.html_text
    desk.set_value("foundry_subsidy", 50)
    assert desk.certainty == "pending" and tr("ui.desk.estimating", "en") in desk.cost_text
    before = desk.cost
    app.frame()
    app.forecasts.wait()
    app.frame()
    assert desk.certainty == "estimated" and desk.cost > before + 1e9
    assert f"({tr('ui.desk.estimated', 'en')})" in desk.cost_text


def test_over_budget_the_desk_says_by_how_much_not_a_negative_budget_left(app):
    desk = app.desk
    assert desk.budget_label.text.startswith(tr("ui.desk.budget_left", "en"))
    desk.set_value("procurement.budget", desk.widgets[desk.slider("procurement.budget")][1].high)
    for name in ("rd_grant:Rebellions", "rd_grant:FuriosaAI"):
        desk.set_value(name, desk.widgets[desk.slider(name)][1].high)
    assert desk.cost > app.session.world.countries["KOR"].budget_per_quarter
    text = desk.budget_label.text
    assert text.startswith("Over budget by ") and "-" not in text, text


def test_a_refresh_renders_a_text_box_only_when_its_text_changes(app):
    """pygame_gui's text box parses and renders its HTML again even for the same text (~5 ms a box):
    the desk refreshes at every step of a dragged slider, and its boxes keep their text most steps."""
    desk = app.desk
    rendered = []
    for box in (desk.reason_label, desk.advice_box, desk.scheduled_box):
        real = box.set_text
        box.set_text = lambda text, *a, real=real, box=box, **k: (rendered.append(box), real(text, *a, **k))[1]
    desk.refresh()
    assert rendered == [], "nothing changed: nothing rendered again"
    desk.set_value("chip_incentive", 20)
    desk.refresh()
    assert rendered == [desk.reason_label] and "1" in desk.reason_text, "a change staged: its line, once"
    desk.set_value("chip_incentive", 25)
    desk.refresh()
    assert rendered == [desk.reason_label], "still one change staged: the same line, not rendered again"
