"""The live forecast (game/forecast.py) and the lever preview (game/lever_preview.py), without a
window: the scheduler coalesces a burst of slider events, forecasts are stable and leave the
world alone, a forecast is the game the player would get, and the preview's numbers are the
programme's own."""

from __future__ import annotations

import pytest

from game.actions import Convergence, Procurement, RDGrant
from game.child import FORK_SAFE
from game.forecast import ForecastScheduler, forecast, staged_key
from game.lever_preview import acts_through, lines, preview
from game.saves import digest
from game.session import Session
from game.text import quarter_name, tr
from game.why import LEVER_TARGETS


def session_at(turn: int) -> Session:
    session = Session("baseline", 7, autosave=False)
    for _ in range(turn):
        session.end_turn([])
    return session


def grants(n: int) -> list[list]:
    return [[RDGrant(designer="Rebellions", amount=(i + 1) * 5e9)] for i in range(n)]


def test_a_burst_of_submits_runs_one_at_a_time_and_keeps_only_the_latest():
    session = session_at(12)
    scheduler = ForecastScheduler(lambda: session.world, "KOR")
    try:
        bundles = grants(10)
        for bundle in bundles:
            scheduler.submit(bundle)
            assert scheduler.running is not None, "a run is in progress"
            assert scheduler.queued is None or scheduler.queued[0] == staged_key(bundle), "one queued: the latest"
        assert scheduler.runs == 1, "the programmes in force first; every slider event meanwhile only queued"
        result = scheduler.wait()
        assert result is not None and result.staged == staged_key(bundles[-1])
        assert scheduler.runs == 2, "the burst became one run"
        assert scheduler.in_force is not None and scheduler.in_force.staged == ()
        assert len(result.scores) == session.world.turns - session.world.turn
        assert not scheduler.errors
    finally:
        scheduler.close()


def test_an_answer_is_read_whole_however_the_pipe_cuts_it():
    """The server's answers come through a pipe in pieces of any size: a frame is taken only once
    whole, and what follows it is kept for the next one."""
    import os

    from game.child import frame, read_frame, split_frame

    stream = frame(b"first answer") + frame(b"") + frame(b"x" * 70000)
    for cut in (1, 7, 8, 9, 20, len(stream) - 1):
        assert split_frame(stream[:cut]) is None or split_frame(stream[:cut])[0] == b"first answer"
    assert split_frame(stream[:7]) is None and split_frame(stream[:19]) is None
    first, rest = split_frame(stream)
    second, rest = split_frame(rest)
    third, rest = split_frame(rest)
    assert (first, second, third, rest) == (b"first answer", b"", b"x" * 70000, b"")
    read, write = os.pipe()
    os.write(write, frame(b"whole"))
    os.close(write)
    assert read_frame(read) == b"whole" and read_frame(read) is None, "then the end of the pipe"
    os.close(read)


@pytest.mark.skipif(not FORK_SAFE, reason="forecasts run in forked children only on Linux")
def test_the_window_forks_once_a_turn_and_the_turns_server_forks_each_run(monkeypatch):
    """A fork costs the window ~6 ms and the copying of every page it writes while the child
    shares it (frames of ~25 ms during a drag): the window forks one server a turn, which forks
    each run's worker itself. A new turn ends the old server; a server that dies is replaced."""
    import os

    session = session_at(12)
    forks = []
    real = os.fork
    monkeypatch.setattr(os, "fork", lambda: (forks.append(os.getpid()), real())[1])
    window = os.getpid()
    scheduler = ForecastScheduler(lambda: session.world, "KOR")
    try:
        results = []
        for bundle in grants(4):
            scheduler.submit(bundle)
            results.append(scheduler.wait())
        assert all(r is not None for r in results) and not scheduler.errors
        assert scheduler.runs == 5 and forks.count(window) == 1 == scheduler.servers, "one fork of the window"
        old = scheduler._server[0]
        session.end_turn([])
        scheduler.submit(grants(1)[0])
        assert scheduler.wait() is not None and scheduler.servers == 2
        with pytest.raises(ProcessLookupError):
            os.kill(old, 0)  # the last turn's server is gone (and reaped)
        os.kill(scheduler._server[0], 9)  # a server that dies: its run fails or goes to a new server
        scheduler.submit(grants(2)[1])
        scheduler.wait()
        scheduler.submit(grants(3)[2])
        assert scheduler.wait() is not None and scheduler.servers == 3
    finally:
        scheduler.close()
    assert scheduler._server is None


def test_the_same_settings_give_the_same_forecast_and_the_world_is_untouched():
    played, untouched = session_at(2), session_at(2)
    bundle = [RDGrant(designer="Rebellions", amount=40e9)]
    forked = ForecastScheduler(lambda: played.world, "KOR")
    try:
        forked.submit(bundle)
        first = forked.wait()
    finally:
        forked.close()
    again = ForecastScheduler(lambda: played.world, "KOR")
    try:
        again.submit(bundle)
        second = again.wait()
    finally:
        again.close()
    inline = forecast(played.world, "KOR", bundle)  # on World.fork(), in this process
    assert first.scores == second.scores == inline.scores
    assert first.points == inline.points and first.spent == inline.spent
    assert played.world.turn == 2 and played.world.countries["KOR"].policy.rd_grants == {}
    for session in (played, untouched):  # no draw of any random stream was used up by the forecasts
        session.end_turn([])
        session.end_turn([])
    assert digest(played.world.history[-1]) == digest(untouched.world.history[-1])
    assert played.world.governance.log == untouched.world.governance.log


def test_a_forecast_is_the_game_the_player_gets_by_holding_the_settings():
    """Other countries keep playing by their own controllers, and the player's country holds the
    staged settings: exactly what ending every remaining turn that way plays."""
    session = session_at(14)
    bundle = [RDGrant(designer="Rebellions", amount=30e9), Convergence(industry="Shipbuilding", intensity=0.5)]
    scheduler = ForecastScheduler(lambda: session.world, "KOR")
    try:
        scheduler.submit(bundle)
        staged = scheduler.wait()
        in_force = scheduler.in_force
    finally:
        scheduler.close()
    held = session_at(14)
    while not held.world.finished:
        held.end_turn([])
    assert list(in_force.scores) == [h["score"]["KOR"] for h in held.world.history[14:]]
    session.end_turn(bundle)
    while not session.world.finished:
        session.end_turn([])
    assert list(staged.scores) == [h["score"]["KOR"] for h in session.world.history[14:]]
    assert staged.scores != in_force.scores


@pytest.mark.parametrize("key, action", [
    ("rd_grant:Rebellions", RDGrant(designer="Rebellions", amount=20e9)),
    ("convergence:Shipbuilding", Convergence(industry="Shipbuilding", intensity=0.4)),
])
def test_the_cost_over_the_term_is_what_the_programme_pays_when_held(key, action):
    session = session_at(10)
    p = preview(session.world, "KOR", key, [action])
    assert p.term > 0 and not p.estimated
    lag = session.world.scenario.levers.lags[action.kind]
    assert p.quarters == 10 and p.term == pytest.approx(p.per_quarter * (10 - lag))
    session.end_turn([action])
    programme = action.kind
    paid = session.world.countries["KOR"].programmes.get(programme, [0.0, 0.0])[1]
    while not session.world.finished:
        session.end_turn([])
        paid += session.world.countries["KOR"].programmes.get(programme, [0.0, 0.0])[1]
    assert paid == pytest.approx(p.term, rel=1e-9)


def test_procurement_set_before_the_centre_opens_first_acts_when_it_opens():
    session = session_at(0)
    world = session.world
    centre = world.national_buyer("KOR")
    bundle = [Procurement(budget=400e9, mix={"leader": 0.5, "domestic": 0.4, "other": 0.1})]
    p = preview(world, "KOR", "procurement.budget", bundle)
    assert p.decided == world.start and p.lag == world.scenario.levers.lags["procurement"] == 1
    assert p.takes_effect == world.start + 1 < centre.opens
    assert p.waits_for_centre and p.first_bites == centre.opens
    assert p.this_quarter == 0 and p.per_quarter == 400e9
    assert p.term == pytest.approx(400e9 * (world.start + world.turns - centre.opens))
    text = [t for t, _ in lines(world, "KOR", p, "en")]
    assert tr("ui.preview.centre", "en").format(lag=1, date=quarter_name(centre.opens, "en")) in text
    assert any(quarter_name(centre.opens, "ko") in t for t, _ in lines(world, "KOR", p, "ko"))
    later = session_at(4)  # the centre is open: the lag alone
    q = preview(later.world, "KOR", "procurement.budget", bundle)
    assert not q.waits_for_centre and q.first_bites == q.decided + 1


def test_a_lever_acts_through_the_index_components_why_links_it_to():
    world = session_at(0).world
    through = acts_through(world, "KOR", "procurement")
    assert "single_vendor_dependence" in through and "domestic_compute_share" in through
    assert set(through) <= LEVER_TARGETS["procurement"]
    assert acts_through(world, "KOR", "trade_stance") == ("hbm_share", "foundry_share", "accelerator_share")


def test_the_effect_lines_are_the_staged_forecast_minus_the_one_in_force():
    session = session_at(12)
    world = session.world
    bundle = [Procurement(budget=500e9, mix={"leader": 0.3, "domestic": 0.6, "other": 0.1})]
    in_force, staged = forecast(world, "KOR", []), forecast(world, "KOR", bundle)
    p = preview(world, "KOR", "procurement.domestic", bundle)
    text = [t for t, _ in lines(world, "KOR", p, "en", in_force, staged)]
    delta = staged.scores[-1] - in_force.scores[-1]
    assert f"{tr('korea_index', 'en')} {delta:+.1f}" in text and abs(delta) >= 0.1
    domestic = staged.final["domestic_compute_share"] - in_force.final["domestic_compute_share"]
    assert any(t.strip().startswith("Compute on home chips") and t.endswith(f"{domestic:+.1f}") for t in text)


def test_with_two_levers_moved_each_preview_shows_its_own_effect():
    """Two levers staged: a lever's preview is the whole bundle against the bundle without that
    lever (asked for behind the desk's own forecast, never shown as the desk's), so the two
    effects are each lever's own, not the pair's sum shown twice."""
    from game.lever_preview import own_actions

    session = session_at(12)
    world = session.world
    grant = RDGrant(designer="Rebellions", amount=40e9)
    centre = Procurement(mix={"domestic": 1.0})
    bundle = [grant, centre]
    scheduler = ForecastScheduler(lambda: session.world, "KOR", use_fork=False)
    try:
        scheduler.submit(bundle)
        both = scheduler.wait()
        assert both is not None and scheduler.latest() is both
        assert own_actions(bundle, "procurement.domestic") == [centre]
        assert scheduler.ask([grant]) is None, "not known yet: asked for behind the desk's own"
        scheduler.wait()
        without_centre = scheduler.ask([grant])
        assert without_centre is not None and without_centre.staged == staged_key([grant])
        assert scheduler.latest() is both, "a preview's own request never becomes the desk's forecast"
        p = preview(world, "KOR", "procurement.domestic", bundle)
        text = [t for t, _ in lines(world, "KOR", p, "en", without_centre, both, others=1)]
        own = both.scores[-1] - without_centre.scores[-1]
        assert f"{tr('korea_index', 'en')} {own:+.1f}" in text
        assert "This lever's own expected effect by 2029Q4 (the 1 other staged change kept), points:" in text
        whole = both.scores[-1] - scheduler.in_force.scores[-1]
        assert abs(whole - own) >= 0.05, "the grant's part is not counted as the centre's"
    finally:
        scheduler.close()
