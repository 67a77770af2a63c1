"""Forecasts prefetched for the lever the player is about to move (issue 16): the real scheduler,
its runs in forked children. A prefetch waits for what the desk asked for, a drag reaching a
prefetched setting gets its forecast with no run, the forecast is the one computed on demand,
and prefetching stops when the lever is let go, on a new turn, and never starts unasked."""

from __future__ import annotations

import os
import time

import pytest

from game.actions import RDGrant
from game.child import (
    FORK_SAFE,
    cancel_work,
    fork_server,
    frame,
    inline_server,
    read_frame,
    split_answer,
    stop_server,
    write_all,
)
from game.desk_levers import Lever, prefetch_order, slider_settings
from game.forecast import PREFETCH_CAP, ForecastScheduler, forecast, staged_key
from game.session import Session

LEVER = "rd_grant:Rebellions"
forks = pytest.mark.skipif(not FORK_SAFE, reason="forecasts run in forked children only on Linux")


def grant(billions: int) -> list:
    return [RDGrant(designer="Rebellions", amount=billions * 1e9)]


def settings_of(values) -> list[list]:
    return [grant(v) for v in values]


@pytest.fixture
def scheduler():
    session = Session("baseline", 7, autosave=False)
    for _ in range(14):  # six quarters left: quick forecasts
        session.end_turn([])
    made = ForecastScheduler(lambda: session.world, "KOR")
    made.session = session  # (the tests end turns on it)
    made.poll()  # the programmes in force first
    made.wait()
    yield made
    made.close()
    session.close()


def drain(scheduler: ForecastScheduler, timeout: float = 30.0) -> None:
    """Poll until nothing runs, is queued or is left to prefetch."""
    end = time.perf_counter() + timeout
    while (scheduler.busy or scheduler.prefetching) and time.perf_counter() < end:
        scheduler.poll()
        time.sleep(0.005)


def test_the_order_is_the_neighbours_then_the_range_coarse_to_fine_every_setting_once():
    lever = Lever("rd_grant:Rebellions", "", 0, 100, "bkrw", 5)
    order = prefetch_order(lever, 35)
    assert order[:2] == [30, 40], "the two settings a drag or an arrow key reaches first"
    assert order[2:13] == [0, 10, 20, 50, 60, 70, 80, 90, 100, 5, 15], "every 10% of the range, then every 5%"
    assert sorted(order) == [s for s in slider_settings(lever) if s != 35], "each other setting, once"
    fine = Lever("chip_incentive", "", 0, 50, "pct")
    assert sorted(prefetch_order(fine, 0)) == list(range(1, 51))
    plan = Lever("procurement.budget", "", 0, 600, "bkrw", 10, marks=(123,))
    assert 123 in prefetch_order(plan, 0) and 123 in slider_settings(plan), "the centre's plan is a setting too"


@forks
def test_nothing_is_prefetched_with_no_lever_hovered(scheduler):
    runs = scheduler.runs
    scheduler.prefetch(None, settings_of([5, 10]))
    drain(scheduler)
    assert scheduler.prefetches == 0 and not scheduler.prefetching and scheduler.runs == runs
    assert set(scheduler.cache) == {()}, "only the programmes in force"


@forks
def test_a_prefetch_never_starts_while_a_desk_run_is_running_or_queued(scheduler):
    scheduler.submit(grant(50))  # the desk's run in progress
    scheduler.submit(grant(55))  # and one queued
    scheduler.prefetch(LEVER, settings_of([5, 10, 15]))
    while scheduler.queued is not None or (scheduler.running is not None and scheduler.running.lever is None):
        assert scheduler.prefetches == 0, "the desk's runs come first"
        assert scheduler.running is None or scheduler.running.lever is None
        scheduler.poll()
    drain(scheduler)
    assert scheduler.prefetches == 3 and scheduler.current().staged == staged_key(grant(55))


@forks
def test_a_submit_of_a_prefetched_setting_is_answered_from_the_cache_with_the_forecast_made_on_demand(scheduler):
    world = scheduler.world_of()
    scheduler.prefetch(LEVER, settings_of([5, 10, 15]))
    assert not scheduler.busy, "prefetching is not the desk waiting (no 'estimating' shown)"
    drain(scheduler)
    runs, prefetches = scheduler.runs, scheduler.prefetches
    assert prefetches == 3 and scheduler.prefetch_cpu[LEVER] > 0
    scheduler.submit(grant(10))  # the drag reaches a prefetched setting
    shown = scheduler.latest()
    assert shown is not None and shown.staged == staged_key(grant(10)), "shown the frame it is reached"
    assert scheduler.runs == runs and scheduler.prefetches == prefetches and not scheduler.busy, "no run"
    own = forecast(world, "KOR", grant(10))  # the same bundle computed on demand, in this process
    assert (shown.scores, shown.points, shown.spent, shown.owed) == (own.scores, own.points, own.spent, own.owed)


@forks
def test_prefetching_stops_when_the_lever_is_let_go_and_on_a_new_turn(scheduler):
    scheduler.prefetch(LEVER, settings_of(range(5, 101, 5)))
    assert scheduler.prefetching and scheduler.prefetches == 1
    scheduler.prefetch(None)  # the pointer left the lever
    drain(scheduler)
    assert scheduler.prefetches == 1 and scheduler.cancelled <= 1 and not scheduler.prefetching, \
        "the run in progress ended, no more started"
    scheduler.prefetch(LEVER, settings_of(range(5, 101, 5)))
    assert scheduler.prefetches == 2
    scheduler.session.end_turn([])  # a new turn: every forecast and the plan are out of date
    scheduler.poll()
    assert scheduler.prefetch_lever is None and not scheduler.prefetching and scheduler.prefetched == {}
    drain(scheduler)
    assert scheduler.prefetches == 2 and set(scheduler.cache) == {()}


@forks
def test_a_lever_is_prefetched_at_most_its_cap_a_turn(scheduler):
    many = settings_of(range(1, PREFETCH_CAP + 10))
    scheduler.prefetch(LEVER, many)
    drain(scheduler, 120)
    scheduler.prefetch(LEVER, many)  # hovered again: the cap is per lever per turn
    drain(scheduler)
    assert scheduler.prefetches == PREFETCH_CAP == scheduler.prefetched[LEVER]


def test_without_fork_nothing_is_prefetched():
    session = Session("baseline", 7, autosave=False)
    for _ in range(18):
        session.end_turn([])
    inline = ForecastScheduler(lambda: session.world, "KOR", use_fork=False)
    inline.poll()  # the programmes in force, played here
    inline.prefetch(LEVER, settings_of([5, 10]))
    inline.poll()
    assert inline.prefetches == 0 and not inline.prefetching and set(inline.cache) == {()}, \
        "a prefetch played in poll would block the frames"
    session.close()


@forks
def test_while_a_step_waits_for_its_run_the_chart_stays_at_the_prefetched_step_before_it(scheduler):
    scheduler.submit(grant(50))  # a desk run, earlier in the drag
    scheduler.wait()
    scheduler.prefetch(LEVER, settings_of([5]))
    drain(scheduler)
    scheduler.submit(grant(5))  # prefetched: shown at once
    scheduler.submit(grant(7))  # not: its run starts
    assert scheduler.current() is None
    assert scheduler.latest().staged == staged_key(grant(5)), "the step shown last, not the older run's 50"


@forks
def test_a_server_ends_the_worker_it_is_told_to_and_answers_every_request_in_order():
    def answer(request: bytes) -> bytes:
        time.sleep(float(request))
        return b"done " + request

    pid, requests, answers, cancels = fork_server(answer)
    try:
        os.set_blocking(answers, True)
        write_all(requests, frame(b"5"))  # request 1: long
        started = time.perf_counter()
        cancel_work(cancels, 1)
        cpu, said = split_answer(read_frame(answers))
        assert said == b"" and 0 <= cpu < 2, "ended: an empty answer, at once, with the CPU it used"
        assert time.perf_counter() - started < 2
        cancel_work(cancels, 1)  # a late word for a request already answered changes nothing
        write_all(requests, frame(b"0.01"))  # request 2
        assert split_answer(read_frame(answers))[1] == b"done 0.01"
        cancel_work(cancels, 3)  # a word ahead of its request: that request is ended as it starts
        write_all(requests, frame(b"5"))
        assert split_answer(read_frame(answers))[1] == b""
    finally:
        stop_server(pid, requests, answers, cancels)


@forks
def test_an_inline_server_ends_a_request_between_its_steps_and_answers_every_request_in_order():
    """`inline_server` answers in the server itself: a request the window ends gives up at its next
    step (`stopped`), with an empty answer and the CPU it used; a late word changes nothing; a
    word ahead of its request ends it before it starts; the server's own state outlives a request."""
    served: list[bytes] = []

    def answer(request: bytes, stopped) -> bytes:
        served.append(request)  # the server's state: every request it has seen
        if request == b"fail":
            raise RuntimeError("an answer that fails")
        end = time.perf_counter() + float(request)
        while time.perf_counter() < end:
            if stopped():
                return b""
            time.sleep(0.002)
        return b"done %d" % len(served)

    pid, requests, answers, cancels = inline_server(answer)
    try:
        os.set_blocking(answers, True)
        write_all(requests, frame(b"5"))  # request 1: long
        started = time.perf_counter()
        cancel_work(cancels, 1)
        cpu, said = split_answer(read_frame(answers))
        assert said == b"" and 0 <= cpu < 2 and time.perf_counter() - started < 2, "ended at its next step"
        cancel_work(cancels, 1)  # a late word for a request already answered changes nothing
        write_all(requests, frame(b"0.01"))  # request 2, answered whole
        said = split_answer(read_frame(answers))[1]
        assert said.startswith(b"done ")
        seen = int(said.split()[1])  # 2, or 1 if the word ended request 1 before it reached the answer
        cancel_work(cancels, 3)  # a word ahead of its request: that request is ended before it starts
        write_all(requests, frame(b"5"))
        write_all(requests, frame(b"0"))  # request 4, after it, in order
        assert split_answer(read_frame(answers))[1] == b""
        assert split_answer(read_frame(answers))[1] == b"done %d" % (seen + 1), \
            "the server's state outlived request 2, and request 3 never reached the answer"
        write_all(requests, frame(b"fail"))  # an answer that raises: an empty answer, the server goes on
        write_all(requests, frame(b"0"))
        assert split_answer(read_frame(answers))[1] == b""
        assert split_answer(read_frame(answers))[1] == b"done %d" % (seen + 3)
    finally:
        stop_server(pid, requests, answers, cancels)


@forks
def test_an_inline_server_does_its_idle_work_after_each_answer_and_outlives_its_failure():
    """`inline_server(answer, idle)`: `idle` runs after each answer is written and before the next
    request is read (the forecast's copy of its world for the next run, made while it waits), so
    each request finds the work of the answers before it done; an `idle` that raises changes
    nothing else."""
    idled: list[int] = []

    def answer(request: bytes, stopped) -> bytes:
        return b"%d" % len(idled)

    def idle() -> None:
        idled.append(1)
        if len(idled) == 2:
            raise RuntimeError("idle work that fails")

    pid, requests, answers, cancels = inline_server(answer, idle)
    try:
        os.set_blocking(answers, True)
        said = []
        for _ in range(4):
            write_all(requests, frame(b"x"))
            said.append(split_answer(read_frame(answers))[1])
        assert said == [b"0", b"1", b"2", b"3"]
    finally:
        stop_server(pid, requests, answers, cancels)


@forks
def test_runs_in_one_server_leave_its_world_as_it_was(scheduler):
    """The turn's server plays each run on a copy of its world (from the second run on, the spare
    copy it made while it waited: `_make_spare`): a bundle forecast again after other runs in the
    same server is the forecast made in this process, number for number."""
    world = scheduler.session.world
    first = grant(30)
    scheduler.submit(first)
    scheduler.wait()
    before = scheduler.current()
    for other in (grant(80), grant(5)):
        scheduler.submit(other)
        scheduler.wait()
    scheduler.cache.clear()
    scheduler.submit(first)
    scheduler.wait()
    again = scheduler.current()
    assert scheduler.servers == 1 and not scheduler.errors
    here = forecast(world, "KOR", first)
    assert again.scores == before.scores == here.scores and again.points == here.points


@forks
def test_a_desk_submit_ends_the_prefetch_in_progress_and_its_own_run_starts_next(scheduler):
    scheduler.session.close()
    session = Session("baseline", 7, autosave=False)  # turn 0: twenty quarters, a long prefetch run
    slow = ForecastScheduler(lambda: session.world, "KOR")
    try:
        slow.poll()
        slow.wait()
        slow.prefetch(LEVER, settings_of([5, 10]))
        prefetched = slow.running.key
        slow.submit(grant(50))  # the desk's run: the prefetch is ended, not waited for
        assert slow.cancelled == 1 and slow.running.lever is not None and slow.busy
        slow.wait()
        assert slow.current().staged == staged_key(grant(50)) and not slow.errors
        assert prefetched not in slow.cache or slow.cache[prefetched].staged == prefetched, "kept only if whole"
        full = min(cpu for _, cpu in slow.latency)  # a whole forecast's CPU
        assert slow.prefetch_cpu[LEVER] < 0.5 * full, "the prefetch was ended early (its CPU counted all the same)"
        assert slow.delays and max(slow.delays) < 1.0, "the desk's run waited for the prefetch's end only"
        drain(slow)
        assert slow.prefetches >= 2 and not slow.errors, "the prefetch goes on after the desk's run"
    finally:
        slow.close()
        session.close()
