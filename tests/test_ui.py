"""The desktop game, headless: scripted plays through real pygame events (mouse on a slider's
arrow, Enter, F5/F9, the language button) asserting on the model and on what is drawn."""

from __future__ import annotations

import json
import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import subprocess
import sys
from pathlib import Path

import pygame
import pygame.freetype
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uitools import answered, click, hold, post, press

from game.difficulty import Difficulty
from game.text import tr
from game.ui.app import CHART_RECT, MAP_RECT, SIZE, GameApp
from game.ui.fonts import REGULAR
from game.ui.mapview import GOOD_COLOURS
from game.ui.session import Session

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(tmp_path):
    pygame.init()
    screen = pygame.display.set_mode(SIZE)
    game = GameApp(Session("baseline", 7, saves_dir=tmp_path), "en", screen)
    game.frame()
    yield game
    pygame.quit()


def test_a_lever_moved_by_the_mouse_shows_its_cost_and_reaches_the_model_only_at_end_turn(app):
    world = app.session.world
    app.desk.open_lever("rd_grant")  # below the advice: scrolled into view as a player would
    app.frame()
    slider = app.desk.slider("rd_grant:Rebellions")
    arrow = slider.right_button.rect.center
    assert app.desk.scroll.get_container().get_rect().collidepoint(arrow), "the slider must be on screen"
    cost_before = app.desk.cost_label.text
    hold(app, arrow, frames=6)
    assert app.desk.values["rd_grant:Rebellions"] > 0
    assert app.desk.cost_label.text != cost_before
    assert app.desk.cost > 0 and app.desk.reason is None
    assert world.countries["KOR"].policy.rd_grants == {}, "nothing changes before End Turn"
    click(app, app.desk.end_button.rect.center)
    assert world.turn == 1
    assert world.countries["KOR"].policy.rd_grants["Rebellions"] == pytest.approx(
        app.session.reports[-1].verdicts[0]["action"]["amount"])
    assert app.desk.values["rd_grant:Rebellions"] > 0, "the desk starts from the policy now in force"


def test_enter_and_space_end_turns_and_an_invalid_bundle_is_explained_and_not_played(app):
    world = app.session.world
    press(app, pygame.K_RETURN)
    press(app, pygame.K_SPACE)
    assert world.turn == 2
    app.desk.set_value("procurement.leader", 80)
    app.desk.set_value("procurement.domestic", 40)
    app.frame()
    assert app.desk.reason and "100%" in app.desk.reason
    assert tr("ui.desk.refused", "en") in app.desk.reason_text
    press(app, pygame.K_RETURN)
    assert world.turn == 2, "a refused bundle does not end the turn"


def test_language_switch_relabels_and_hangul_renders(app):
    end_en = app.desk.end_button.text
    top = pygame.Rect(0, 0, 600, 40)
    before = pygame.image.tobytes(app.screen.subsurface(top), "RGB")
    click(app, app.top_buttons["lang"].rect.center)
    assert app.lang == "ko"
    assert app.desk.end_button.text == tr("ui.desk.end_turn", "ko") != end_en
    assert pygame.image.tobytes(app.screen.subsurface(top), "RGB") != before
    font = pygame.freetype.Font(str(REGULAR), 16)
    text = tr("ui.desk.title", "ko") + tr("title_ui", "ko")
    assert all(m is not None for m in font.get_metrics(text)), "every Hangul glyph is in the font"
    label = app.fonts.render(tr("ui.desk.title", "ko"), 16)
    assert label.get_width() > 40 and label.get_bounding_rect().height > 8


def test_the_map_is_drawn_with_markers_where_the_firms_are_and_hover_shows_numbers(app):
    map_pixels = pygame.transform.scale(app.screen.subsurface(MAP_RECT), (110, 62))
    colours = {map_pixels.get_at((x, y))[:3] for x in range(110) for y in range(62)}
    assert len(colours) > 8, "the map region is not blank"
    marker = next(m for m in app.map.markers if m.name == "SK hynix")
    assert app.screen.get_at(marker.pos)[:3] == GOOD_COLOURS["hbm"]
    foundry = next(m for m in app.map.markers if m.name == "TSMC")
    assert app.screen.get_at(foundry.pos)[:3] == GOOD_COLOURS["wafer"]
    tip = pygame.Rect(marker.pos[0] + 16, marker.pos[1] - 10, 120, 60).clip(MAP_RECT)
    before = pygame.image.tobytes(app.screen.subsurface(tip), "RGB")
    post(pygame.MOUSEMOTION, pos=marker.pos, rel=(1, 0), buttons=(0, 0, 0))
    app.frame()
    assert app.map.hover is marker
    assert pygame.image.tobytes(app.screen.subsurface(tip), "RGB") != before, "the tooltip is drawn"
    lines = app.map.tooltip_lines(marker)
    assert lines[0].startswith("SK hynix") and any(tr("ui.tip.capacity", "en") in line for line in lines)
    app.map.lang = "ko"  # in Korean, capacities in whole units: "1억 2,000만 GB/분기", "3만 2,000장/분기"
    for firm, unit in (("SK hynix", " GB/분기"), ("TSMC", "장/분기")):
        korean = app.map.tooltip_lines(next(m for m in app.map.markers if m.name == firm))
        capacity = [line for line in korean if line.startswith(tr("ui.tip.capacity", "ko"))]
        assert capacity and capacity[0].endswith(unit) and "천" not in capacity[0], korean
    # an in-house chip shows what it costs its owner, a merchant chip its price (docs/model.md, "Chip choice")
    for lang in ("en", "ko"):
        app.map.lang = lang
        tpu = app.map.tooltip_lines(next(m for m in app.map.markers if m.name == "Google TPU"))
        nvidia = app.map.tooltip_lines(next(m for m in app.map.markers if m.name == "Nvidia"))
        assert any(line.startswith(tr("ui.tip.cost_in_house", lang)) for line in tpu), tpu
        assert not any(line.startswith(tr("ui.tip.price_chip", lang)) for line in tpu), tpu
        assert any(line.startswith(tr("ui.tip.price_chip", lang)) for line in nvidia), nvidia
    # in Korean a price under US$10,000 reads in dollars ("2,270 달러"), not a sum's "1만 달러 미만":
    # an in-house chip at its unit cost, a packager's package-wafer
    for firm, label in (("Google TPU", "ui.tip.cost_in_house"), ("Samsung AVP", "ui.tip.price")):
        line = next(line for line in app.map.tooltip_lines(next(m for m in app.map.markers if m.name == firm))
                    if line.startswith(tr(label, "ko")))
        assert line.endswith("달러") and "미만" not in line and any(c.isdigit() for c in line), line


def test_autosaves_record_the_scenario_the_game_began_with(tmp_path):
    """End Turn's autosave is written from memory: the scenario's hash is worked out once, when the
    game begins, so editing or deleting the scenario's file mid-game changes nothing in the
    autosaves (and a changed file is then refused on loading, as a different game)."""
    from game.scenario import scenario_hash

    source = tmp_path / "mine.toml"
    text = (ROOT / "assets" / "scenarios" / "baseline.toml").read_text(encoding="utf-8")
    source.write_text(text, encoding="utf-8")
    began = scenario_hash(str(source))
    session = Session(str(source), 7, saves_dir=tmp_path / "saves")
    session.end_turn([])
    edited = text.replace("budget_per_quarter = 450e9", "budget_per_quarter = 460e9", 1)
    assert edited != text
    source.write_text(edited, encoding="utf-8")
    assert scenario_hash(str(source)) != began
    session.end_turn([])
    source.unlink()
    session.end_turn([])
    saves = sorted((tmp_path / "saves" / "desktop").glob("autosave-*.json"))
    assert len(saves) == 3
    assert {json.loads(p.read_text(encoding="utf-8"))["scenario"]["sha256"] for p in saves} == {began}
    session.close()


def test_f5_saves_and_f9_loads_the_quick_save(app, tmp_path):
    press(app, pygame.K_RETURN)
    press(app, pygame.K_F5)
    path = tmp_path / "quicksave.json"
    assert path.exists()
    assert (tmp_path / "desktop" / "autosave-000001.json").exists(), "the desktop game's own autosaves"
    assert not (tmp_path / "autosave").exists(), "saves/autosave/ is sim --save-every's"
    press(app, pygame.K_RETURN)
    assert app.session.world.turn == 2
    press(app, pygame.K_F9)
    assert app.session.world.turn == 1
    assert app.session.world.governance.controllers["KOR"] is app.session.player
    press(app, pygame.K_RETURN)
    assert app.session.world.turn == 2


def test_esc_opens_the_menu_and_its_quit_button_stops_the_game(app):
    press(app, pygame.K_ESCAPE)
    assert app.menu is not None
    quit_button = next(b for b, key in app.menu_buttons.items() if key == "quit")
    click(app, quit_button.rect.center)
    assert not app.running


def test_autoplay_screenshot_from_the_command_line(tmp_path):
    shot = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, "main.py", "play", "--autoplay", "2", "--lang", "ko",
                           "--screenshot", str(shot)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    image = pygame.image.load(str(shot))
    assert image.get_size() == SIZE


def force_event(world, event_id: str) -> None:
    """Make a scenario event certain from the next quarter on (a copy of the scenario's event)."""
    events = world.scenario.events
    i = next(i for i, e in enumerate(events) if e.id == event_id)
    events[i] = events[i].model_copy(update={"probability": 1.0, "start": world.quarter_label(world.start),
                                             "conditions": []})


def test_an_event_choice_is_asked_in_a_dialog_and_the_model_takes_the_clicked_answer(app):
    world = app.session.world
    force_event(world, "us_asks_allies")
    seen = []

    def click_second(game, buttons):
        if not seen:
            seen.append({i: b.text for b, i in buttons.items()})
            target = next(b for b, i in buttons.items() if i == 1)
            post(pygame.MOUSEMOTION, pos=target.rect.center, rel=(0, 0), buttons=(0, 0, 0))
            post(pygame.MOUSEBUTTONDOWN, pos=target.rect.center, button=1)
            post(pygame.MOUSEBUTTONUP, pos=target.rect.center, button=1)

    app.modal_hook = click_second
    press(app, pygame.K_RETURN)
    assert world.turn == 1
    assert seen and seen[0][1] == "2. Stay balanced", "one button per choice, in the UI's language"
    answers = [e for e in world.governance.log if e.get("source") == "choice"]
    assert [(e["event"], e["choice"]) for e in answers] == [("us_asks_allies", 1)]
    assert app.session.reports[-1].choices == [("us_asks_allies", 1)]
    ticker = " ".join(line.strip(" •") for line, _ in app.ticker_lines)
    assert "Answered 'Washington asks Seoul to align on China': Stay balanced" in ticker


def test_a_scripted_answer_and_the_number_keys_answer_without_the_mouse(app):
    world = app.session.world
    force_event(world, "middle_east_compute_deal")
    app.choice_script = [1]
    press(app, pygame.K_RETURN)
    assert [e["choice"] for e in world.governance.log if e.get("source") == "choice"] == [1]
    force_event(world, "us_asks_allies")
    app.modal_hook = lambda game, buttons: post(pygame.KEYDOWN, key=pygame.K_1, mod=0, unicode="1", scancode=0)
    press(app, pygame.K_RETURN)
    assert [e["choice"] for e in world.governance.log if e.get("source") == "choice"] == [1, 0]


def title_click(title, key) -> None:
    button = next(b for b, k in title.buttons.items() if k == key)
    for event_type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
        post(pygame.MOUSEMOTION, pos=button.rect.center, rel=(0, 0), buttons=(0, 0, 0))
        post(event_type, pos=button.rect.center, button=1)
        title.frame()
    title.frame()


def test_title_screen_new_game_continue_load_and_settings(tmp_path):
    from game.ui.title import TitleScreen

    pygame.init()
    screen = pygame.display.set_mode(SIZE)
    try:
        title = TitleScreen(screen, "en", tmp_path)
        title.frame()
        assert not next(b for b, k in title.buttons.items() if k == "continue").is_enabled, "no autosave yet"
        title_click(title, "new")
        assert title.page == "new"
        title_click(title, ("lang", "ko"))
        assert title.lang == "ko" and title.manager.get_locale() == "ko"
        title_click(title, ("difficulty", "hard"))
        title_click(title, "start")
        assert title.result == ("new", "baseline", "ko", "hard")
        from game.ui.app import start_game
        hard = start_game(title.result, 7, tmp_path, humans=("KOR", "JPN"))
        assert hard.world.difficulty == Difficulty("hard", ("KOR", "JPN"))
        assert hard.world.countries["KOR"].budget_per_quarter == pytest.approx(
            0.7 * Session("baseline", 7, saves_dir=tmp_path).world.countries["KOR"].budget_per_quarter)
        hard.save(tmp_path / "hard.json")
        again = Session("baseline", 7, saves_dir=tmp_path)
        again.load(tmp_path / "hard.json")
        assert again.world.difficulty == hard.world.difficulty and again.humans == ("KOR", "JPN")

        game = GameApp(Session("baseline", 7, saves_dir=tmp_path), "ko", screen)
        for _ in range(2):
            game.end_turn()
            answered(game)  # a question the quarter pauses at: conftest's hook presses 1
        game.session.save(tmp_path / "mine.json")
        title = TitleScreen(screen, "en", tmp_path)
        assert title.lang == "ko", "the language chosen last time is kept (saves/settings.json)"
        title_click(title, "continue")
        assert title.result[0] == "load" and title.result[1].name == "autosave-000002.json"
        title = TitleScreen(screen, "en", tmp_path)
        title_click(title, "load")
        files = [k[1].name for k in title.buttons.values() if isinstance(k, tuple)]
        assert "mine.json" in files and "settings.json" not in files
        title_click(title, ("file", tmp_path / "mine.json"))
        session = start_game(title.result, 7, tmp_path)
        assert session.world.turn == 2 and session.world.governance.controllers["KOR"] is session.player
        title = TitleScreen(screen, "en", tmp_path)
        title_click(title, "settings")
        title_click(title, ("window", "1600x900"))
        assert (tmp_path / "settings.json").read_text().count("1600x900") == 1
        assert title.screen.get_size() == (1600, 900), "the window takes the size; nothing is stretched"
        back = next(b for b, k in title.buttons.items() if k == "back")
        assert pygame.Rect(0, 0, 1600, 900).contains(back.rect) and back.rect.centerx < 800, "laid out for it"
        press(title, pygame.K_ESCAPE)
        press(title, pygame.K_ESCAPE)
        assert title.result == ("quit",)
    finally:
        pygame.quit()


def test_esc_menu_goes_back_to_the_title_screen(app):
    press(app, pygame.K_ESCAPE)
    button = next(b for b, key in app.menu_buttons.items() if key == "title")
    click(app, button.rect.center)
    assert app.to_title and not app.running


def test_the_last_turn_opens_the_end_of_term_screen_and_the_report_is_exported(tmp_path):
    pygame.init()
    screen = pygame.display.set_mode(SIZE)
    try:
        session = Session("baseline", 7, ai="team_korea", saves_dir=tmp_path, autosave=False)
        for _ in range(session.world.turns - 1):
            session.end_turn([])
        session.world.governance.controllers["KOR"] = session.player
        app = GameApp(session, "en", screen)
        app.choice_script = [0] * 5
        app.frame()
        assert not app.end_buttons
        press(app, pygame.K_RETURN)
        assert session.finished and app.end_buttons
        assert not app.desk.root.visible, "the desk is hidden under the end screen"
        title_area = pygame.Rect(app.END_RECT.x, app.END_RECT.y, 400, 60)
        before = pygame.image.tobytes(screen.subsurface(title_area), "RGB")
        app.end_dismissed = True
        app.close_end_screen()
        app.draw()
        assert pygame.image.tobytes(screen.subsurface(title_area), "RGB") != before, "the end screen was drawn"
        app.end_dismissed = False
        app.rebuild()
        app.frame()
        rect, key = app.end_rows[0]
        click(app, rect.center)
        assert app.why.key == key == f"component:{session.world.scenario.score.components[0].key}"
        assert app.why.lines and app.end_buttons, "Why? opens over the end screen"
        press(app, pygame.K_ESCAPE)
        assert app.why.key is None and app.menu is None and app.end_buttons
        export = next(b for b, k in app.end_buttons.items() if k == "export")
        click(app, export.rect.center)
        assert app.exporting is not None, "the debrief is written in the background"
        app.exporting.wait()
        app.frame()
        reports = list(tmp_path.glob("report-baseline-seed7-*-en.md"))
        assert len(reports) == 1 and app.report_path == reports[0]
        assert app.debrief_path == reports[0].with_name(reports[0].stem.removesuffix("-en") + "-debrief.html")
        assert app.debrief_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        text = reports[0].read_text(encoding="utf-8")
        from game.ui import report
        grade = report.final_grade(session.world)
        assert f"grade {grade}" in text and "HBM share" in text and "Turning points" in text
        assert f"{session.world.history[-1]['korea_index']['total']:.1f}" in text
        back = next(b for b, k in app.end_buttons.items() if k == "map")
        click(app, back.rect.center)
        assert not app.end_buttons and app.desk.root.visible
        press(app, pygame.K_RETURN)
        assert session.world.turn == session.world.turns, "no turn after the last"
    finally:
        pygame.quit()


def test_clicking_a_firm_opens_its_detail_panel_and_the_arrows_cycle_firms(app):
    press(app, pygame.K_RETURN)
    press(app, pygame.K_RETURN)
    marker = next(m for m in app.map.markers if m.name == "Samsung Foundry")
    area = app.DETAIL_RECT
    before = pygame.image.tobytes(app.screen.subsurface(area), "RGB")
    click(app, marker.pos)
    assert app.detail == "Samsung Foundry"
    lines = app.detail_lines("Samsung Foundry")
    assert any(line.startswith(tr("ui.tip.yield", "en")) for line in lines)
    assert any(line.startswith(tr("ui.tip.cash", "en")) for line in lines)
    assert len(app.share_series("Samsung Foundry")) == 2
    assert pygame.image.tobytes(app.screen.subsurface(area), "RGB") != before, "the panel is drawn"
    press(app, pygame.K_TAB)
    assert app.focus == "map"
    press(app, pygame.K_RIGHT)
    names = [m.name for m in app.map.markers]
    assert app.detail == names[(names.index("Samsung Foundry") + 1) % len(names)]
    press(app, pygame.K_ESCAPE)
    assert app.detail is None and app.menu is None, "Esc closes the panel first"


# ---------------------------------------------------------------------- charts, baseline, "Why?"

def test_the_no_action_baseline_is_the_game_of_a_player_who_changes_nothing(tmp_path):
    from game.baseline_run import BaselineRun, baseline_history

    session = Session("baseline", 7, saves_dir=tmp_path, autosave=False)
    for _ in range(3):
        session.end_turn([])
    base = baseline_history(session.world.scenario, 7, 3)
    assert [h["korea_index"]["total"] for h in base] == [h["korea_index"]["total"] for h in session.world.history]
    run = BaselineRun(session.world.scenario, 7)
    assert len(run.upto(2)) == 2 and len(run.upto(5)) == 5 and run.world.turn == 5, "played on, not again"
    assert run.upto(2) == run.world.history[:2]


def test_charts_open_with_c_and_the_button_show_the_baseline_and_close_with_esc(app):
    press(app, pygame.K_RETURN)
    press(app, pygame.K_RETURN)
    map_before = pygame.image.tobytes(app.screen.subsurface(MAP_RECT), "RGB")
    press(app, pygame.K_c)
    assert app.charts_open
    assert pygame.image.tobytes(app.screen.subsurface(MAP_RECT), "RGB") != map_before, "the charts replace the map"
    base = app.charts.baseline_history(app.session.world)
    assert len(base) == 2 and app.no_action.run(app.session.world).world is not app.session.world
    # the index line is drawn in the player's yellow, the baseline's markers in grey, where the data says
    index_points = next(points for key, points in app.charts.lines if key == "index")
    x, y = (round(v) for v in index_points[-1])
    assert app.screen.get_at((x, y))[:3] == (240, 228, 66)
    kr = [k for k, _ in app.charts.lines if k.startswith("share:hbm:")]
    assert kr[:2] == ["share:hbm:SK hynix", "share:hbm:Samsung"], "Korean firms come first"
    press(app, pygame.K_ESCAPE)
    assert not app.charts_open and app.menu is None
    click(app, app.top_buttons["charts"].rect.center)
    assert app.charts_open


def test_clicking_a_chart_line_or_the_top_bar_index_opens_why_with_the_causes(app):
    app.desk.set_value("rd_grant:Rebellions", 40)
    press(app, pygame.K_RETURN)
    press(app, pygame.K_RETURN)
    press(app, pygame.K_c)
    key, points = next((k, p) for k, p in app.charts.lines if k == "component:accelerator_share")
    before = pygame.image.tobytes(app.screen.subsurface(app.why.RECT), "RGB")
    click(app, (round(points[-1][0]), round(points[-1][1])))
    assert app.why.key == key
    assert pygame.image.tobytes(app.screen.subsurface(app.why.RECT), "RGB") != before, "the panel is drawn"
    text = " ".join(line for line, *_ in app.why.lines)
    assert "Training-chip R&D grant" in text, "the player's lever is listed as a cause"
    press(app, pygame.K_ESCAPE)
    assert app.why.key is None and app.charts_open, "Esc closes the panel first, then the charts"
    press(app, pygame.K_ESCAPE)
    click(app, app.index_rect.center)
    assert app.why.key == "index"
    lines = [line.strip() for line, *_ in app.why.lines]
    heads = [i for i, line in enumerate(lines) if "→" in line and "(" in line]
    assert heads and any(lines[i + 1].startswith("By component: ") for i in heads), \
        "a quarter the index moved says, under its head, what each component gave"
    click(app, (5, SIZE[1] - 5))  # outside the panel
    assert app.why.key is None


def test_why_lists_only_causes_that_feed_the_indicator(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from game import why

    session = Session("baseline", 7, ai="team_korea", saves_dir=tmp_path, autosave=False)
    for _ in range(5):
        session.end_turn([])
    world = session.world
    keys = ["index", "price:hbm", "price:wafer", "korea:domestic_llm_share", "score:USA",
            *(f"component:{c.key}" for c in world.scenario.score.components),
            *(f"share:hbm:{f.name}" for f in world.hbm_makers),
            *(f"share:accelerator:{d.name}" for d in world.designers)]

    @settings(max_examples=25, deadline=None)
    @given(st.sampled_from(keys))
    def check(key):
        values = why.series(world, key)
        assert len(values) == 5
        for turn in why.explain(world, key):
            assert turn["after"] == values[turn["turn"] - 1]
            assert all(c in world.causes[turn["turn"]] for c in turn["causes"])
        assert why.label(world, key, "ko") and why.label(world, key, "en") != key

    check()
    llm = [c["key"] for t in why.explain(world, "korea:domestic_llm_share") for c in t["causes"]]
    assert "cause.procurement" not in llm and "cause.service_incentive" in llm
    firm = [c for t in why.explain(world, "share:accelerator:Rebellions") for c in t["causes"]]
    assert all(c["params"].get("firm") in (None, "Rebellions") for c in firm if c["source"] == "mechanism")


def test_clicking_a_country_opens_its_panel_with_budget_policy_firms_and_score(app):
    app.desk.set_value("rd_grant:Rebellions", 40)
    press(app, pygame.K_RETURN)
    spec = app.map.geometry["countries"]["CHN"]
    inside = next(p for p in ((x, y) for x in range(MAP_RECT.left, MAP_RECT.right, 6)
                              for y in range(MAP_RECT.top, MAP_RECT.bottom, 6))
                  if app.map.country_at(p) == "CHN" and app.map.marker_at(p) is None)
    assert app.map.country_at(app.map.to_screen(spec["label"])) == "CHN"
    click(app, inside)
    assert app.country_panel == "CHN" and app.detail is None
    press(app, pygame.K_ESCAPE)
    assert app.country_panel is None and app.menu is None
    korea = next(p for p in ((x, y) for x in range(MAP_RECT.left, MAP_RECT.right, 4)
                             for y in range(MAP_RECT.top, MAP_RECT.bottom, 4))
                 if app.map.country_at(p) == "KOR" and app.map.marker_at(p) is None)
    area = pygame.Rect(MAP_RECT.x + 8, MAP_RECT.y + 8, 560, 100)
    before = pygame.image.tobytes(app.screen.subsurface(area), "RGB")
    click(app, korea)
    assert app.country_panel == "KOR"
    assert pygame.image.tobytes(app.screen.subsurface(area), "RGB") != before, "the panel is drawn"
    from game.ui.countrypanel import country_lines
    lines = [text for _, text in country_lines(app.session.world, "KOR", "en")]
    world = app.session.world
    assert lines[0] == f"Korea   score {world.scores['KOR']:.1f}"
    assert any(line.startswith("Training-chip R&D grant: Rebellions 40.0B KRW") for line in lines)
    assert any(line.startswith("SK hynix - HBM share") for line in lines)
    chn = [text for style, text in country_lines(world, "CHN", "ko") if style == "warn"]
    assert chn and all(":" in line for line in chn), "China faces export controls, listed per good"


def test_domestic_links_are_drawn_between_the_markers_of_one_country(app):
    from game.ui.mapview import GOOD_COLOURS, domestic_links

    for _ in range(2):
        app.end_turn()
        answered(app)
    links = domestic_links(app.session.world)
    assert all(app.session.world.by_name[s].country == app.session.world.by_name[t].country for _, s, t, _ in links)
    assert any(link[:3] == ("wafer", "Samsung Foundry", "Rebellions") and link[3] > 0 for link in links)
    at = {m.name: m.pos for m in app.map.markers}
    path = next(points for good, points, _ in app.map.paths
                if good == "wafer" and points[0] == at["Samsung Foundry"] and points[-1] == at["Rebellions"])
    x, y = (round(v) for v in path[len(path) // 2])
    near = {app.map.static.get_at((x - app.map.rect.x + dx, y - app.map.rect.y + dy))[:3]
            for dx in range(-2, 3) for dy in range(-2, 3)}
    assert GOOD_COLOURS["wafer"] in near, "Korea's own wafer link is drawn on the map"


def test_export_controls_are_walls_on_the_map_with_a_tooltip_and_a_legend_entry(app):
    from game.ui.mapview import WALL

    walls = app.map.barriers
    assert {b.destination for b in walls} == {"CHN"}
    east = next(b for b in walls if any(origin == "USA" for origin, _, _ in b.rules))
    assert {origin for origin, _, _ in east.rules} == {"USA", "KOR", "JPN"}, "bearings within 20 degrees share a wall"
    x, y = (round(v) for v in east.centre)
    assert app.screen.get_at((x, y))[:3] == (255, 255, 255), "the stop sign's bar"
    ring = {app.screen.get_at((x + dx, y + dy))[:3] for dx in range(-12, 13) for dy in range(-20, 21)}
    assert WALL in ring, "the hatched wall around it"
    lines = app.map.barrier_lines(east)
    assert "United States: AI accelerators above 0.35 H100e, HBM memory, Wafers (foundry), Advanced packaging" in lines
    tip = pygame.Rect(x + 18, y - 10, 200, 40)
    before = pygame.image.tobytes(app.screen.subsurface(tip), "RGB")
    post(pygame.MOUSEMOTION, pos=(x + 2, y + 1), rel=(1, 0), buttons=(0, 0, 0))
    app.frame()
    assert app.map.barrier_at(app.map.pointer) is east
    assert pygame.image.tobytes(app.screen.subsurface(tip), "RGB") != before, "the tooltip is drawn"
    app.set_language("ko")
    assert app.map.barrier_lines(east)[0] == tr("ui.map.barrier", "ko")


def test_glossary_cards_on_hover_and_the_whole_glossary_with_f1_in_both_languages(app):
    from game.ui.glossary import TERMS

    for term in TERMS:
        for lang in ("en", "ko"):
            assert tr(f"ui.gloss.{term}", lang) != f"ui.gloss.{term}" and tr(f"ui.gloss.{term}.name", lang)
        assert tr(f"ui.gloss.{term}", "ko") != tr(f"ui.gloss.{term}", "en")
    rect = next(r for r, t in app.map.legend_terms if t == "hbm")
    post(pygame.MOUSEMOTION, pos=(rect.x + 4, rect.centery), rel=(1, 0), buttons=(0, 0, 0))
    app.frame()
    assert app.glossary.term_at(app.pointer) == "hbm"
    shown = pygame.image.tobytes(app.screen.subsurface(app.glossary.RECT), "RGB")
    post(pygame.MOUSEMOTION, pos=(5, MAP_RECT.y + 5), rel=(1, 0), buttons=(0, 0, 0))
    app.frame()
    assert app.glossary.term_at(app.pointer) is None
    assert pygame.image.tobytes(app.screen.subsurface(app.glossary.RECT), "RGB") != shown, "the card went away"
    press(app, pygame.K_F1)
    assert app.glossary.open
    panel = pygame.image.tobytes(app.screen.subsurface(app.glossary.RECT), "RGB")
    app.set_language("ko")
    app.frame()
    assert pygame.image.tobytes(app.screen.subsurface(app.glossary.RECT), "RGB") != panel, "relabelled in Korean"
    press(app, pygame.K_ESCAPE)
    assert not app.glossary.open and app.menu is None
    click(app, app.top_buttons["gloss"].rect.center)
    assert app.glossary.open


def test_tab_cycles_panels_and_the_arrow_keys_move_the_focused_desk_slider(app):
    from game.ui.app import FOCUS

    assert app.focus is None
    press(app, pygame.K_TAB)
    press(app, pygame.K_TAB)
    assert app.focus == "desk" and app.desk.focused == app.desk.slider_keys()[0] == "foundry_subsidy"
    assert app.screen.get_at((app.desk.rect.x + 1, app.desk.rect.centery))[:3] == FOCUS, "the focus ring is drawn"
    keys = app.desk.slider_keys()
    target = keys.index("rd_grant:Rebellions")
    for _ in range(target):
        press(app, pygame.K_DOWN)
    assert app.desk.focused == "rd_grant:Rebellions"
    app.frame(0.5)  # the scroll bar glides to the slider
    ring = app.desk.focus_rect()
    assert ring is not None and app.screen.get_at((ring.x, ring.centery))[:3] == FOCUS, "scrolled into view, ringed"
    before = app.desk.values["rd_grant:Rebellions"]
    for _ in range(3):
        press(app, pygame.K_RIGHT)
    press(app, pygame.K_LEFT)
    assert app.desk.values["rd_grant:Rebellions"] == before + 2 * app.desk.widgets[
        app.desk.slider("rd_grant:Rebellions")][1].step
    assert app.desk.slider("rd_grant:Rebellions").get_current_value() == app.desk.values["rd_grant:Rebellions"]
    press(app, pygame.K_RETURN)
    assert app.session.world.countries["KOR"].policy.rd_grants["Rebellions"] == pytest.approx(
        app.desk.values["rd_grant:Rebellions"] * 1e9)
    press(app, pygame.K_TAB)
    press(app, pygame.K_TAB)
    assert app.focus == "chart"
    press(app, pygame.K_TAB)
    assert app.focus == "map"
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_TAB, mod=pygame.KMOD_LSHIFT, unicode="",
                                         scancode=0))
    app.frame()
    assert app.focus == "chart"
    press(app, pygame.K_w)
    assert app.why.key == "index"


def test_save_under_a_name_from_the_menu_refuses_bad_names_and_the_title_lists_it(app, tmp_path):
    from game.ui.title import TitleScreen

    press(app, pygame.K_RETURN)
    press(app, pygame.K_ESCAPE)
    save = next(b for b, key in app.menu_buttons.items() if key == "save_as")
    before = sorted(p.name for p in tmp_path.iterdir())
    for bad in ("../escape", "a/b", "x.json", "settings", "한글", ""):
        app.save_entry.set_text(bad)
        click(app, save.rect.center)
        assert tr("ui.save_failed", "en") in app.toast[0], bad
        assert sorted(p.name for p in tmp_path.iterdir()) == before, f"{bad!r} changed nothing"
        assert app.menu is not None
    click(app, app.save_entry.rect.center)  # focus the field and finish it with Enter
    app.save_entry.set_text("my-first-term")
    press(app, pygame.K_RETURN)
    app.frame()  # pygame_gui posts UI_TEXT_ENTRY_FINISHED: the next frame handles it
    path = tmp_path / "my-first-term.json"
    assert path.exists() and app.session.world.turn == 1, "Enter in the field saves; it does not end the turn"
    assert app.menu is None
    press(app, pygame.K_RETURN)
    press(app, pygame.K_ESCAPE)
    save = next(b for b, key in app.menu_buttons.items() if key == "save_as")
    assert app.save_entry.get_text() == "my-first-term", "the last name is offered again"
    from game.saves import load_game

    click(app, save.rect.center)
    assert "exists" in app.toast[0] and load_game(path)[0].turn == 1, "warned, not replaced"
    click(app, save.rect.center)
    assert load_game(path)[0].turn == 2, "asked twice: replaced"
    title = TitleScreen(app.screen, "en", tmp_path)
    title_click(title, "load")
    assert "my-first-term.json" in [k[1].name for k in title.buttons.values() if isinstance(k, tuple)]


def test_text_size_setting_is_kept_and_enlarges_widgets_and_drawn_text(tmp_path):
    import json

    from game.ui.title import UI_SCALES, TitleScreen

    pygame.init()
    screen = pygame.display.set_mode(SIZE)
    try:
        title = TitleScreen(screen, "en", tmp_path)
        title_click(title, "settings")
        big = UI_SCALES[-1]
        title_click(title, ("scale", big))
        assert json.loads((tmp_path / "settings.json").read_text())["ui_scale"] == big
        assert title.fonts.font(15).get_height() > pygame.font.Font(str(REGULAR), 15).get_height()
        assert next(b for b, k in title.buttons.items() if k == ("scale", big)).object_ids[-1] == "#staged"
        normal = GameApp(Session("baseline", 7, saves_dir=tmp_path / "other"), "ko", screen)
        large = GameApp(Session("baseline", 7, saves_dir=tmp_path), "ko", screen)
        assert large.ui_scale == big and normal.ui_scale == 1.0
        assert large.desk.slider("foundry_subsidy").rect.height == normal.desk.slider("foundry_subsidy").rect.height
        gap = [app.desk.slider("chip_incentive").rect.y - app.desk.slider("foundry_subsidy").rect.y
               for app in (normal, large)]
        assert gap[1] > gap[0], "the desk's rows grow with their text"
        label = [app.fonts.render(tr("ui.desk.title", "ko"), 15).get_height() for app in (normal, large)]
        assert label[1] > label[0]
        (tmp_path / "settings.json").write_text(json.dumps({"ui_scale": 7}))
        assert GameApp(Session("baseline", 7, saves_dir=tmp_path), "en", screen).ui_scale == 1.0, "bad value: 100%"
    finally:
        pygame.quit()


def test_the_index_chart_under_the_map_draws_the_no_action_line(tmp_path):
    from game.ui.charts import BASE

    pygame.init()
    screen = pygame.display.set_mode(SIZE)
    try:
        session = Session("baseline", 7, ai="team_korea", saves_dir=tmp_path, autosave=False)
        for _ in range(6):  # the national centre opens in the fourth quarter: by the sixth the lines part
            session.end_turn([])
        app = GameApp(session, "en", screen)
        app.frame()
        base = [h["score"]["KOR"] for h in app.charts.baseline_history(session.world)]
        mine = [h["score"]["KOR"] for h in session.world.history]
        assert len(base) == 6 and abs(mine[-1] - base[-1]) > 5, "team_korea and no action have parted"
        ghost = app.chart_lines["no_action"]  # on the chart's fitted y-range (game/ui/scale.py)
        assert len(ghost) == 6 and all(CHART_RECT.collidepoint(p) for p in ghost)
        for i, j in ((2, 3), (1, 5)):  # a higher index drawn higher
            assert (ghost[i][1] < ghost[j][1]) == (base[i] > base[j]) or base[i] == base[j]
        x, y = round((ghost[2][0] + ghost[3][0]) / 2), round((ghost[2][1] + ghost[3][1]) / 2)
        near = {screen.get_at((x + dx, y + dy))[:3] for dx in range(-7, 8) for dy in range(-2, 3)}
        assert BASE in near, "the dashed grey no-action line, where the baseline's data puts it"
    finally:
        pygame.quit()


def test_export_says_it_is_writing_before_the_window_waits_and_a_failure_is_reported(app, monkeypatch):
    import game.ui.app as app_module

    seen = []

    def failing_export(*args, **kwargs):
        seen.append(app.toast[0])
        raise OSError("disk full")

    monkeypatch.setattr(app_module, "export_report", failing_export)
    assert app.export_report() is None
    assert seen == [tr("ui.end.writing", "en")], "the notice is up (and drawn) before the work starts"
    assert app.toast[0].startswith(tr("ui.end.export_failed", "en")) and "disk full" in app.toast[0]


def test_the_top_bar_names_a_difficulty_other_than_normal(tmp_path):
    pygame.init()
    screen = pygame.display.set_mode(SIZE)
    try:
        widths = {}
        for level in ("normal", "hard"):
            game = GameApp(Session("baseline", 7, saves_dir=tmp_path, difficulty=level), "en", screen)
            game.frame()
            bar = pygame.surfarray.array3d(screen.subsurface(pygame.Rect(0, 0, 900, 38)))
            background = bar[899, 19]
            used = [x for x in range(900) if (bar[x] != background).any()]
            widths[level] = max(used)
        assert widths["hard"] > widths["normal"] + 30, "'(Hard)' follows the budget"
    finally:
        pygame.quit()


def test_bottleneck_tags_of_neighbouring_designers_never_overlap(app):
    app.choice_script = [0] * 10  # events with choices are answered without a dialog
    for _ in range(8):  # by 2027Q1 Nvidia, AMD and Google's chips sit side by side, all HBM-bound
        app.end_turn()
    app.frame()
    tags = [rect for rect, term in app.map.terms if term == "bottleneck"]
    assert len(tags) >= 3, "several designers are held back by an input by then"
    assert all(a.collidelist([b for b in tags if b is not a]) == -1 for a in tags)


def test_continue_resumes_the_desktop_game_not_what_sim_save_every_wrote_later(tmp_path):
    """`sim --save-every` keeps writing saves/autosave/; the title's Continue resumes the last
    game played on the desktop (saves/desktop/), however many headless autosaves came after it."""
    from game.model import World
    from game.saves import autosave
    from game.scenario import load_scenario
    from game.ui.app import start_game
    from game.ui.title import TitleScreen

    pygame.init()
    screen = pygame.display.set_mode(SIZE)
    try:
        desktop = Session("lesson_bottlenecks", 7, saves_dir=tmp_path)
        desktop.end_turn([])
        desktop.end_turn([])
        headless = World(load_scenario("baseline"), seed=3)
        for _ in range(5):
            headless.step()
            autosave(headless, "baseline", tmp_path / "autosave")  # what sim --save-every writes
        headless.close()
        assert len(list((tmp_path / "autosave").glob("autosave-*.json"))) == 5
        title = TitleScreen(screen, "en", tmp_path)
        title_click(title, "continue")
        assert title.result[0] == "load"
        assert title.result[1] == tmp_path / "desktop" / "autosave-000002.json"
        session = start_game(title.result, 7, tmp_path)
        assert session.scenario_name == "lesson_bottlenecks" and session.world.turn == 2
        session.close()
        desktop.close()
    finally:
        pygame.quit()


def test_rewinds_loads_and_the_no_action_game_are_released_from_mesas_registry(app):
    """Mesa 3.3 pins every model in `mesa.Agent._ids` (~0.6 MB a game) until `World.close()`:
    worlds replaced by a rewind or a load, and the charts' no-action game of each, must be let go."""
    import mesa

    press(app, pygame.K_RETURN)
    press(app, pygame.K_RETURN)
    press(app, pygame.K_F5)

    def cycle():
        press(app, pygame.K_RETURN)
        press(app, pygame.K_RETURN)
        press(app, pygame.K_c)  # the charts screen plays the no-action game
        press(app, pygame.K_c)
        app.session.rewind(1)  # the teacher's rewind
        app.after_rewind()
        app.frame()
        press(app, pygame.K_F9)  # quick load
        app.frame()

    cycle()
    before = len(mesa.Agent._ids)
    for _ in range(3):
        cycle()
    assert app.session.world.turn == 2
    assert len(mesa.Agent._ids) == before
    held = [app.session.world, app.no_action.run(app.session.world).world]
    assert all(world in mesa.Agent._ids for world in held)
    app.close()  # quit, or back to the title
    assert not any(world in mesa.Agent._ids for world in held)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_why_names_an_event_once(lang):
    """An event's cause is tagged [event]/[사건] in the Why? panel; the cause log's own
    "Event - "/"사건 - " before the title is not repeated after the tag."""
    from game.model import World
    from game.scenario import load_scenario
    from game.ui.fonts import Fonts
    from game.ui.whypanel import WhyPanel, event_prefix

    pygame.font.init()
    world = World(load_scenario("lesson_bottlenecks"), seed=7, tables=False)
    while not world.finished:
        world.step()
    panel = WhyPanel(Fonts())
    panel.open("korea:compute_installed")
    panel.layout(world, lang)
    tag = f"[{tr('ui.why.source.event', lang)}]"
    tagged = [line for line, *_ in panel.lines if line.strip().startswith(tag)]
    assert tagged, "an event moved Korea's installed compute in the lesson"
    assert not any(line.strip().startswith(f"{tag} {event_prefix(lang)}") for line in tagged)


def test_setting_the_centres_mix_before_it_opens_keeps_its_budget_and_says_when_it_opens(tmp_path):
    """Lesson 3's trap (issue 17): in 2025Q1 the centre has not opened, so what it costs this quarter
    is 0; the desk used to start its budget slider there, and a player who set only the mix sent a
    zero budget: the centre then bought nothing all lesson. The slider starts at the plan the centre
    opens with, and the desk says when it opens."""
    pygame.init()
    screen = pygame.display.set_mode(SIZE)
    game = GameApp(Session("lesson_procurement_chain", 7, saves_dir=tmp_path), "ko", screen)
    game.frame()
    world = game.session.world
    national = world.national_buyer("KOR")
    assert world.now + 1 < national.opens, "the lesson starts before the centre opens"
    assert game.desk.values["procurement.budget"] > 0
    notes = [w.text for w in game.desk.scroll.get_container().elements if hasattr(w, "text")]
    assert any("2025년 4분기 개장" in t for t in notes), notes
    game.desk.set_value("procurement.leader", 50)
    game.desk.set_value("procurement.domestic", 40)
    game.frame()
    assert game.desk.reason is None, game.desk.reason
    click(game, game.desk.end_button.rect.center)
    while world.now < national.opens:
        press(game, pygame.K_RETURN)
    policy = world.countries["KOR"].policy
    assert policy.procurement_mix == {"leader": 0.5, "domestic": 0.4, "other": pytest.approx(0.1)}
    assert policy.procurement_budget is None, "a mix alone keeps the centre on its growing plan (issue 16 item 3)"
    assert national.budget > 0 and national.new_compute > 0, "the centre buys once it opens"
    pygame.quit()


def test_the_desk_shows_the_advisors_advice_and_a_link_opens_its_lever(app):
    """Issue 16 item 4: the advice of game/advisor.py at the top of the desk, each a link that
    scrolls the desk to the lever it names."""
    import pygame_gui

    desk = app.desk
    assert desk.advice and "The national computing centre opens in 2025Q4" in desk.advice_box.html_text
    bar = desk.scroll.vert_scroll_bar
    before = bar.start_percentage
    target = "capacity_support"  # far down the desk
    event = pygame.event.Event(pygame_gui.UI_TEXT_BOX_LINK_CLICKED, {"ui_element": desk.advice_box,
                                                                     "link_target": target})
    desk.process(event)
    app.frame()
    assert bar.start_percentage > before
    top = bar.start_percentage * desk.scroll_height  # what the desk shows now, in the scroll's own pixels
    assert top <= desk.section_y[target] < top + desk.scroll.rect.height, "the lever's section is in view"
    click(app, desk.end_button.rect.center)  # a new quarter: the advice is the new quarter's
    assert "2025Q4" in desk.advice_box.html_text and desk.advice


def test_a_team_sees_only_its_own_states_levers(tmp_path):
    """Issue 14: each state has its own levers (the scenario's `offered`); a US team's desk has no
    priming water or home-chip procurement but has its export controls and state equity, Korea's
    has no export controls."""
    import pygame_gui

    from game.ui.desk import Desk
    from game.ui.fonts import gui_theme

    pygame.init()
    pygame.display.set_mode(SIZE)
    session = Session("baseline", 7, saves_dir=tmp_path)
    manager = pygame_gui.UIManager(SIZE, gui_theme(1.0))  # the game's own theme, as the window has
    usa = Desk(manager, pygame.Rect(0, 0, 400, 700), session.view("USA"), "en")
    korea = Desk(manager, pygame.Rect(0, 0, 400, 700), session.view("KOR"), "en")
    usa_sections = {title for title, _ in usa.levers()}
    korea_sections = {title for title, _ in korea.levers()}
    assert usa_sections <= {"lever.capacity_support", "lever.rd_grant", "lever.export_control", "lever.equity"}
    assert {"lever.capacity_support", "lever.export_control", "lever.equity"} <= usa_sections
    assert {"lever.foundry_subsidy", "lever.procurement", "lever.trade_stance"} <= korea_sections
    assert "lever.export_control" not in korea_sections
    offered = session.world.scenario.levers
    assert all(offered.offers("USA", t.split(".", 1)[1]) for t in usa_sections)
    pygame.quit()


@settings(max_examples=60, deadline=None)
@given(head=st.text(alphabet="abcdefghij 한국어컴퓨팅비중WMi", min_size=0, max_size=80), width=st.integers(60, 400))
def test_a_breakdown_label_is_shortened_to_its_width_and_keeps_its_weight(head, width):
    """The end screen's component labels: a long one (Korean, at a large text size) used to grow
    on each shortening step and hang the game."""
    from game.ui.app import fit
    from game.ui.fonts import Fonts

    pygame.init()
    font = Fonts(1.0).font(14)
    label = fit(font, head, " (10%)", width)
    assert label.endswith(" (10%)")
    if font.size("..." + " (10%)")[0] <= width:
        assert font.size(label)[0] <= width


def test_index_charts_draw_the_scenarios_grade_bands(tmp_path):
    """The grade lines come from the scenario's [score] grades (a country's own if it gives them),
    not from numbers written again in the UI."""
    from game.ui.app import grade_bands

    session = Session("baseline", 7, saves_dir=tmp_path)
    grades = session.world.scenario.score.grades
    assert grade_bands(session.world, "KOR") == sorted(((g, v) for g, v in grades.items() if v > 0),
                                                       key=lambda b: -b[1])
    assert [g for g, _ in grade_bands(session.world, "KOR")] == ["A", "B", "C", "D"]
