"""The classroom in the desktop game, headless: hot-seat teams with a hand-over screen between them,
the teacher's panel (pause, trigger an event, rewind, hide the score) and a lesson's briefing,
all driven by real pygame events and checked on the model, the saves and regions of the frame."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import json
from pathlib import Path

import numpy as np
import pygame
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uitools import click, hold, post, press

from agents.controllers import Controller
from game.actions import CapacitySupport, FoundrySubsidy
from game.saves import SaveError, load_game, verify, world_state
from game.text import tr
from game.ui import briefing, handover
from game.ui.app import CHART_RECT, DESK_RECT, SIZE, GameApp
from game.ui.session import Session
from tests.clitools import run_cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "save_v2.json"
END_TURN_BLUE = (0, 114, 178)  # the desk's End Turn button (#0072B2)


@pytest.fixture
def make_app(tmp_path):
    pygame.init()
    screen = pygame.display.set_mode(SIZE)

    def make(humans=("KOR",), scenario="baseline", lang="en") -> GameApp:
        game = GameApp(Session(scenario, 7, saves_dir=tmp_path, humans=humans), lang, screen)
        game.frame()
        return game

    yield make
    pygame.quit()


def pixels(app, rect: pygame.Rect) -> np.ndarray:
    return pygame.surfarray.array3d(app.screen.subsurface(rect)).reshape(-1, 3)


def has_colour(app, rect: pygame.Rect, colour) -> bool:
    return bool((pixels(app, rect) == np.array(colour)).all(axis=1).any())


def teacher_button(app, key: str, value=None):
    return next(b for b, (k, v) in app.teacher.buttons.items() if k == key and (value is None or v == value))


def raise_subsidy(app, frames: int = 10, key: str = "foundry_subsidy") -> None:
    """Team at the desk: its lever scrolled into view (as a player scrolls the desk, which is taller
    than its panel), then a rate slider's right arrow held down (the foundry subsidy's click step is 5%)."""
    app.desk.open_lever(key.split(":")[0])
    app.frame(0.05)
    hold(app, app.desk.slider(key).right_button.rect.center, frames)


RAPIDUS = "capacity_support:Rapidus"  # Japan's own lever (cal 4d); it has no price-gap subsidy


# ---------------------------------------------------------------------- hot-seat teams

def test_two_teams_take_the_desk_in_turn_behind_a_hand_over_and_both_reach_the_model(make_app, tmp_path):
    app = make_app(("KOR", "JPN"))
    world = app.session.world
    assert app.desk.session.code == "KOR" and app.curtain is None
    raise_subsidy(app)
    korea_rate = app.desk.values["foundry_subsidy"]
    assert korea_rate > 0
    press(app, pygame.K_RETURN)
    assert world.turn == 0, "the quarter waits for the last team"
    assert isinstance(app.curtain, handover.Curtain)
    assert app.curtain.headline == "Pass to team Japan"
    # the hand-over frame shows nothing of Korea's desk: its column is plain curtain outside the
    # message band, and the desk's blue End Turn button is nowhere on screen
    band = pygame.Rect(0, SIZE[1] // 2 - 122, SIZE[0], 245)  # the message and its yellow rules
    for part in (pygame.Rect(DESK_RECT.x, DESK_RECT.y, DESK_RECT.width, band.y - DESK_RECT.y),
                 pygame.Rect(DESK_RECT.x, band.bottom, DESK_RECT.width, DESK_RECT.bottom - band.bottom)):
        assert (pixels(app, part) == np.array(handover.BG)).all()
    assert not has_colour(app, app.screen.get_rect(), END_TURN_BLUE)
    press(app, pygame.K_RETURN)  # a key dismisses the hand-over; it does not end Japan's turn
    assert app.curtain is None and world.turn == 0
    assert app.desk.session.code == "JPN"
    assert has_colour(app, DESK_RECT, END_TURN_BLUE)
    assert "foundry_subsidy" not in {k for k, _ in app.desk.widgets.values()}, "Japan has no priming water"
    assert app.desk.values[RAPIDUS] == round(world.countries["JPN"].policy.capacity_support.get("Rapidus", 0) * 100)
    raise_subsidy(app, 7, RAPIDUS)
    japan_rate = app.desk.values[RAPIDUS]
    assert japan_rate > 0
    press(app, pygame.K_RETURN)
    assert world.turn == 1
    accepted = {(e["country"], e["action"]["kind"], e["action"].get("rate")) for e in world.governance.log
                if e["source"] == "controller" and e.get("action") and e["refused"] is None}
    assert ("KOR", "foundry_subsidy", korea_rate / 100) in accepted
    assert ("JPN", "capacity_support", japan_rate / 100) in accepted
    assert app.curtain.headline == "Pass to team Korea", "the next quarter starts with the first team"
    # saved, loaded and re-played identically: the teams come back with the save
    press(app, pygame.K_SPACE)
    press(app, pygame.K_F5)
    path = tmp_path / "quicksave.json"
    assert verify(path) == (1, None)
    loaded = Session("baseline", 7, saves_dir=tmp_path / "other")
    loaded.load(path)
    assert loaded.humans == ("KOR", "JPN")
    assert world_state(loaded.world) == world_state(world)
    moves = {"KOR": [FoundrySubsidy(rate=0.05)], "JPN": [CapacitySupport(firm="Rapidus", rate=0.4)]}
    for session in (app.session, loaded):
        for player in session.players.values():
            player.ask = lambda event: 0  # both games' teams answer an event the same way
    app.session.end_turn(moves)
    loaded.end_turn(moves)
    assert world_state(loaded.world) == world_state(app.session.world)


def test_the_index_chart_shows_the_score_of_the_team_at_the_desk(make_app):
    from game.ui.charts import BASE

    app = make_app(("KOR", "JPN"))
    app.session.end_turn({"KOR": [], "JPN": []})
    app.session.end_turn({"KOR": [], "JPN": []})
    app.seat(0)
    app.draw()
    korea = pygame.image.tobytes(app.screen.subsurface(CHART_RECT), "RGB")
    assert has_colour(app, CHART_RECT, BASE), "Korea's team sees its no-action line"
    app.seat(1)
    app.draw()
    assert pygame.image.tobytes(app.screen.subsurface(CHART_RECT), "RGB") != korea
    assert not has_colour(app, CHART_RECT, BASE), "Korea's no-action game is not Japan's baseline"


def test_an_event_for_the_team_not_at_the_desk_is_answered_after_a_hand_over(make_app):
    app = make_app(("KOR", "JPN"))
    world = app.session.world
    assert app.session.trigger("middle_east_compute_deal") is None  # Korea chooses
    frames = []

    def hook(game, buttons):
        if not buttons:  # the hand-over in the middle of the quarter
            frames.append(game.screen.copy())
            post(pygame.KEYDOWN, key=pygame.K_SPACE, mod=0, unicode=" ", scancode=0)
        else:
            post(pygame.KEYDOWN, key=pygame.K_2, mod=0, unicode="2", scancode=0)

    app.modal_hook = hook
    press(app, pygame.K_RETURN)  # Korea's turn
    press(app, pygame.K_RETURN)  # dismiss the hand-over to Japan
    press(app, pygame.K_RETURN)  # Japan's turn: the quarter runs; the event asks Korea
    assert world.turn == 1
    assert len(frames) >= 1
    assert not any(f.get_at((x, y))[:3] == END_TURN_BLUE for f in frames[:1]
                   for x in range(DESK_RECT.x, DESK_RECT.right, 7) for y in range(DESK_RECT.y, DESK_RECT.bottom, 7))
    answers = [(e["country"], e["event"], e["choice"]) for e in world.governance.log if e["source"] == "choice"]
    assert answers == [("KOR", "middle_east_compute_deal", 1)]


def test_play_humans_names_only_countries_of_the_scenario():
    code, _, err = run_cli("play", "--humans", "KOR,XYZ")
    assert code == 2 and "--humans: no country XYZ" in err and "JPN" in err and "Traceback" not in err
    code, _, err = run_cli("play", "--humans", ",")
    assert code == 2 and "at least one country" in err


def test_an_old_save_resumes_with_korea_as_the_only_team(tmp_path):
    """A save from before hot-seat teams (no `difficulty` field) is Korea's game."""
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    del doc["difficulty"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc), encoding="utf-8")
    session = Session("baseline", 7, saves_dir=tmp_path)
    session.load(old)
    assert session.humans == ("KOR",) and session.world.turn == 6
    assert session.world.governance.controllers["KOR"] is session.player


# ---------------------------------------------------------------------- the teacher's panel

def test_a_teacher_triggered_event_fires_next_quarter_is_in_the_cause_log_and_survives_save_and_load(
        make_app, tmp_path):
    app = make_app()
    app.choice_script = [0] * 10
    world = app.session.world
    press(app, pygame.K_F2)
    assert app.teacher.is_open
    button = teacher_button(app, "event", "taiwan_earthquake")
    assert button.text == "Earthquake in Taiwan"
    click(app, button.rect.center)
    assert world.governance.forced == ["taiwan_earthquake"]
    assert teacher_button(app, "event", "taiwan_earthquake").text.endswith(tr("ui.teacher.queued", "en"))
    entries = [e for e in world.governance.log if e["source"] == "teacher"]
    assert [(e["turn"], e["event"]) for e in entries] == [(0, "taiwan_earthquake")]
    press(app, pygame.K_RETURN)
    assert world.turn == 0, "no key reaches the game while the teacher's panel is open"
    press(app, pygame.K_F2)
    press(app, pygame.K_RETURN)
    assert world.turn == 1 and "taiwan_earthquake" in world.governance.fired
    events = [c for c in world.causes[-1] if c["source"] == "event"]
    assert any(c["params"].get("event") == "taiwan_earthquake" for c in events)
    assert any(c["en"] == "Triggered by the teacher: Earthquake in Taiwan" for c in events)
    assert "교사가 일으킨 사건" in " ".join(c["ko"] for c in events)
    press(app, pygame.K_F2)
    assert not teacher_button(app, "event", "taiwan_earthquake").is_enabled, "an event fired is shown as such"
    assert tr("ui.teacher.fired", "en") in teacher_button(app, "event", "taiwan_earthquake").text
    # one more set for the next quarter, then saved: the load fires it in the same quarter
    click(app, teacher_button(app, "event", "ai_capex_correction").rect.center)
    path = app.session.save()
    world2, _ = load_game(path)
    world2.governance.controllers["KOR"] = Controller()  # answers the first choice
    assert world2.governance.forced == ["ai_capex_correction"]
    app.session.player.ask = lambda event: 0  # and so does the player's seat, at once
    app.session.end_turn([])
    world2.step()
    assert "ai_capex_correction" in world2.governance.fired
    assert world_state(world2) == world_state(app.session.world)
    assert verify(app.session.save()) == (2, None)


def test_a_save_naming_an_unknown_teacher_event_is_refused(tmp_path):
    session = Session("baseline", 7, saves_dir=tmp_path)
    session.trigger("taiwan_earthquake")
    session.end_turn([])
    path = session.save()
    doc = json.loads(path.read_text(encoding="utf-8"))
    next(e for e in doc["log"] if e["source"] == "teacher")["event"] = "no_such_event"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SaveError, match="a teacher's event: no event 'no_such_event'"):
        load_game(path)


def test_rewind_goes_back_to_exactly_the_game_a_fresh_start_reaches(make_app):
    app = make_app(("KOR", "USA"))
    session = app.session
    for player in session.players.values():
        player.ask = lambda event: 0  # events that ask Korea are answered at once (kept by the rewind)
    plays = [{"KOR": [FoundrySubsidy(rate=0.3)], "USA": [CapacitySupport(firm="Intel Foundry", rate=0.2)]},
             {"KOR": [FoundrySubsidy(rate=0.6)]}, {}, {"USA": [CapacitySupport(firm="Intel Foundry", rate=0.35)]}]
    session.end_turn(plays[0])
    session.trigger("taiwan_earthquake")
    for moves in plays[1:]:
        session.end_turn(moves)
    app.rebuild()
    press(app, pygame.K_SPACE)  # the hand-over after the quarter
    press(app, pygame.K_F2)
    rewind = teacher_button(app, "rewind", 2)
    assert rewind.text == "2025Q3 (turn 3)"
    assert [v for k, v in app.teacher.buttons.values() if k == "rewind"] == [3, 2, 1, 0], "every earlier turn"
    click(app, rewind.rect.center)
    assert session.world.turn == 2
    assert app.teacher.message == "Rewound to the start of 2025Q3."
    fresh = Session("baseline", 7, saves_dir=app.session.saves_dir / "fresh", humans=("KOR", "USA"))
    for player in fresh.players.values():
        player.ask = lambda event: 0  # the teams answer events as the session's do
    fresh.end_turn(plays[0])
    fresh.trigger("taiwan_earthquake")
    fresh.end_turn(plays[1])
    assert world_state(session.world) == world_state(fresh.world)
    assert session.world.rng.bit_generator.state == fresh.world.rng.bit_generator.state
    assert session.world.governance.log == fresh.world.governance.log
    assert {c: r.bit_generator.state for c, r in session.world.governance.rngs.items()} == \
        {c: r.bit_generator.state for c, r in fresh.world.governance.rngs.items()}
    for game in (session, fresh):  # and it plays on the same
        game.end_turn({"KOR": [FoundrySubsidy(rate=0.1)]})
    assert world_state(session.world) == world_state(fresh.world)
    with pytest.raises(ValueError, match="earlier turn"):
        session.rewind(session.world.turn)


def test_pause_hides_the_game_and_blocks_end_turn_until_resumed(make_app):
    app = make_app()
    world = app.session.world
    press(app, pygame.K_F2)
    click(app, teacher_button(app, "pause").rect.center)
    press(app, pygame.K_F2)  # the panel closes; the curtain stays
    assert app.teacher.paused and not app.teacher.is_open
    press(app, pygame.K_RETURN)
    click(app, app.desk.end_button.rect.center)
    assert world.turn == 0
    assert not has_colour(app, app.screen.get_rect(), END_TURN_BLUE)
    assert (pixels(app, pygame.Rect(DESK_RECT.x, DESK_RECT.bottom - 200, DESK_RECT.width, 200))
            == np.array(handover.BG)).all()
    press(app, pygame.K_F2)
    click(app, teacher_button(app, "pause").rect.center)
    press(app, pygame.K_F2)
    press(app, pygame.K_RETURN)
    assert world.turn == 1


def _label_at(app, text: str, topleft) -> bool:
    """Whether `text` (the top bar's 15 px bold yellow) is drawn at `topleft` on the top bar."""
    label = app.fonts.render(text, 15, (240, 228, 66), bold=True)
    expected = pygame.Surface(label.get_size())
    expected.fill((20, 28, 40))
    expected.blit(label, (0, 0))
    drawn = app.screen.subsurface(pygame.Rect(topleft, label.get_size()))
    return pygame.image.tobytes(drawn, "RGB") == pygame.image.tobytes(expected, "RGB")


def test_hiding_the_score_removes_the_index_from_the_frame_and_leaves_the_model_alone(make_app):
    app = make_app()
    app.choice_script = [0] * 10
    app.session.end_turn([])
    app.rebuild()
    app.frame()
    score = app.session.world.scores["KOR"]
    text = next(t for t in (f"{tr('korea_index', 'en')} {score:.1f} ({g})" for g in "ABCDF") if
                _label_at(app, t, (app.index_rect.x + 4, app.index_rect.y + 4)))
    assert has_colour(app, CHART_RECT, (240, 228, 66)), "the index line is drawn"
    before = world_state(app.session.world)
    press(app, pygame.K_F2)
    click(app, teacher_button(app, "score").rect.center)
    press(app, pygame.K_F2)
    assert not app.teacher.score_shown
    assert not _label_at(app, text, (app.index_rect.x + 4, app.index_rect.y + 4))
    assert not has_colour(app, CHART_RECT, (240, 228, 66)), "no index line, no value"
    click(app, app.index_rect.center)
    assert not app.why.is_open, 'no "Why?" panel for a hidden index'
    press(app, pygame.K_c)
    assert app.charts_open and not has_colour(app, app.hidden_charts_rect, (240, 228, 66))
    assert world_state(app.session.world) == before


# ---------------------------------------------------------------------- lessons

@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_lessons_briefing_is_drawn_first_and_a_key_starts_the_game(make_app, lang):
    app = make_app(scenario="lesson_bottlenecks", lang=lang)
    lesson, meta = app.session.world.scenario.lesson, app.session.world.scenario.scenario
    assert isinstance(app.curtain, briefing.Briefing)
    title = app.fonts.render(meta.title_ko if lang == "ko" else meta.title_en, 30, briefing.YELLOW, bold=True)
    expected = pygame.Surface(title.get_size())
    expected.fill(briefing.BG)
    expected.blit(title, (0, 0))
    drawn = app.screen.subsurface(pygame.Rect((briefing.MARGIN, 78), title.get_size()))
    assert pygame.image.tobytes(drawn, "RGB") == pygame.image.tobytes(expected, "RGB")
    first_goal = (lesson.goals_ko if lang == "ko" else lesson.goals_en)[0]
    assert first_goal and not has_colour(app, app.screen.get_rect(), END_TURN_BLUE)
    press(app, pygame.K_SPACE)
    assert app.curtain is None and app.session.world.turn == 0, "the key only dismisses the briefing"
    assert has_colour(app, DESK_RECT, END_TURN_BLUE)


def test_the_end_of_term_screen_asks_the_lessons_discussion_questions(make_app):
    app = make_app(scenario="lesson_bottlenecks")
    app.choice_script = [0] * 10
    press(app, pygame.K_SPACE)
    while not app.session.finished:
        app.session.end_turn([])
    app.rebuild()
    app.frame()
    rect = app.END_RECT
    head = app.fonts.render(tr("ui.briefing.questions", "en"), 17, (230, 234, 240), bold=True)
    expected = pygame.Surface(head.get_size())
    expected.fill((20, 28, 40))
    expected.blit(head, (0, 0))
    assert rect.contains(app.questions_rect), "the questions are on the end screen"
    drawn = app.screen.subsurface(pygame.Rect(app.questions_rect.topleft, head.get_size()))
    assert pygame.image.tobytes(drawn, "RGB") == pygame.image.tobytes(expected, "RGB")


def test_loading_a_hot_seat_save_from_the_title_resumes_the_teams(tmp_path):
    from game.ui.app import start_game

    session = Session("baseline", 7, saves_dir=tmp_path, humans=("KOR", "JPN", "USA"))
    session.end_turn({"USA": [CapacitySupport(firm="Intel Foundry", rate=0.2)]})
    path = session.save(tmp_path / "class.json")
    resumed = start_game(("load", str(path), "ko"), 7, tmp_path)
    assert resumed.humans == ("KOR", "JPN", "USA")
    assert all(resumed.world.governance.controllers[c] is resumed.players[c] for c in resumed.humans)
    assert world_state(resumed.world) == world_state(session.world)
    assert start_game(("new", "baseline", "en", "normal"), 7, tmp_path).humans == ("KOR",)


EVENT_IDS = ["taiwan_earthquake", "ai_capex_correction", "samsung_hbm3e_nvidia", "us_controls_h20"]


@settings(max_examples=12, deadline=None)
@given(plays=st.lists(st.tuples(st.sampled_from([None, 0.1, 0.5, 0.9]), st.sampled_from([None, 0.2, 0.6]),
                                st.sampled_from([None, *EVENT_IDS])), min_size=1, max_size=6),
       data=st.data())
def test_rewinding_to_any_earlier_turn_equals_a_fresh_game_played_to_it(tmp_path_factory, plays, data):
    """Whatever the teams did and the teacher triggered, a rewind reaches the same game as playing
    it again from the start up to that turn."""
    folder = tmp_path_factory.mktemp("rewind")

    def play(session: Session, upto: int) -> None:
        for korea, japan, event in plays[:upto]:
            if event is not None:
                session.trigger(event)  # refused (and nothing logged) if it already happened
            moves = {"KOR": [FoundrySubsidy(rate=korea)] if korea is not None else [],
                     "JPN": [FoundrySubsidy(rate=japan)] if japan is not None else []}
            session.end_turn(moves)

    session = Session("lesson_bottlenecks", 7, saves_dir=folder, humans=("KOR", "JPN"), autosave=False)
    play(session, len(plays))
    turn = data.draw(st.integers(0, len(plays) - 1))
    session.rewind(turn)
    fresh = Session("lesson_bottlenecks", 7, saves_dir=folder, humans=("KOR", "JPN"), autosave=False)
    play(fresh, turn)
    assert session.world.turn == turn
    assert world_state(session.world) == world_state(fresh.world)
    assert session.world.governance.log == fresh.world.governance.log
    assert session.world.rng.bit_generator.state == fresh.world.rng.bit_generator.state


def test_a_team_that_never_acted_is_still_a_person_in_the_save_the_debrief_and_a_headless_resume(tmp_path):
    from game.report.debrief import players

    session = Session("baseline", 7, saves_dir=tmp_path, autosave=False, humans=("KOR", "JPN"))
    session.end_turn({"KOR": [], "JPN": []})
    path = session.save(tmp_path / "quiet.json")
    assert json.loads(path.read_text(encoding="utf-8"))["controllers"]["KOR"] == "player"
    world, save = load_game(path)
    roles = {code: person for code, _, person in players(world, save.controllers)}
    assert roles["KOR"] and roles["JPN"] and not roles["USA"]
    code, out, err = run_cli("sim", "--load", str(path), "--turns", "1", "--json")
    assert code == 0 and json.loads(out)["final"]["turn"] == 2, err


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_new_campaign_from_the_title_opens_with_how_to_play_and_a_loaded_one_does_not(tmp_path, monkeypatch, lang):
    import game.ui.app as app_module
    from game.ui.title import TitleScreen

    choices = [("new", "baseline", lang, "normal"), ("load", tmp_path / "game.json", lang)]
    Session("baseline", 7, saves_dir=tmp_path, autosave=False).save(tmp_path / "game.json")
    seen = []

    def run(app):
        seen.append(app.curtain)
        app.draw()
        kicker = app.fonts.render(tr("ui.howto.kicker", lang), 16, briefing.DIM, bold=True)
        drawn = app.screen.subsurface(pygame.Rect((briefing.MARGIN, 50), kicker.get_size()))
        expected = pygame.Surface(kicker.get_size())
        expected.fill(briefing.BG)
        expected.blit(kicker, (0, 0))
        seen.append(pygame.image.tobytes(drawn, "RGB") == pygame.image.tobytes(expected, "RGB"))
        app.to_title = bool(choices)

    def window(headless=False, window=None):
        pygame.init()
        return pygame.display.set_mode(SIZE)

    monkeypatch.setattr(app_module, "open_window", window)
    monkeypatch.setattr(TitleScreen, "run", lambda self: choices.pop(0))
    monkeypatch.setattr(GameApp, "run", run)
    assert app_module.play_from_title(saves_dir=tmp_path, lang=lang) == 0
    new_curtain, new_drawn, loaded_curtain, loaded_drawn = seen
    assert isinstance(new_curtain, briefing.Briefing) and new_drawn, "'Your term begins' and how to play"
    assert loaded_curtain is None and not loaded_drawn, "a loaded game goes straight to the map"
