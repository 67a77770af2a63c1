"""A classroom under load: a real `python main.py classroom` server and simulated students on
loopback, for a whole term (issue 18's load check).

    python benchmarks/bench_classroom.py [--worlds 4] [--teams KOR,USA,CHN,TWN,JPN,EU,GCC,ROW]
                                         [--students 120] [--scenario baseline] [--poll 2.0]
                                         [--think 1.0] [--sockets 8] [--answer random|first] [--seed 7]

Prints figures; asserts nothing. Every seat of every world is taken (4 worlds x 8 countries: 32
seats) by a student who submits for the team; the rest of `--students` join the seats as
teammates (several students per seat) and poll their team's desk every `--poll` seconds, as
their pages do when the WebSocket is down; `--sockets` more clients hold a WebSocket each (the
projector's and the pages' push channel). Each quarter every submitting student reads the desk,
thinks `--think` seconds, previews one change (or none, if governance would refuse it) and
submits; the last submission plays the quarter in every world (auto-advance), so its request
time is the quarter-advance latency.

An event that asks a seated team (the students send no standing answers) pauses the quarter at
the question (docs/design.md, "A quarter pauses at a question"): the last submission then only
opens the quarter (timed apart, "pause"). As soon as the projector's view names the teams asked
(the pages are told by the WebSocket), the submitting student of each seat asked reads its desk
(which shows the question and its stakes), thinks `--think` seconds, picks a choice (`--answer`:
a seeded random one, or the first) and answers (`POST /api/answer`); the answer that leaves no
question in any world closes the quarter. Reported: the answer's latency, the asked desk read,
and the time from the question appearing (the end of the request that paused the quarter at it)
to the quarter going on in that world (the team's answer returned) and to the quarter closing.

Reports request latencies (p50/p95) for desk reads, previews, submissions, quarter advances,
answers and teammates' polls; requests refused or failed (none expected); the server's resident
memory at the start and the end; and whether anything was lost: every submission and every
answer answered, every Action the submissions made and every answer in its world's saved log,
every WebSocket told of every quarter.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def post(url: str, body: dict) -> tuple[int, dict, float]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"content-type": "application/json", "x-lang": "en"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read()), time.perf_counter() - start
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}"), time.perf_counter() - start
    except (urllib.error.URLError, OSError):  # the server has gone (the end of the run)
        return 0, {}, time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def rss_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024


def start_server(args, folder: Path) -> tuple[subprocess.Popen, str, str, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "classroom", "--port", str(port), "--room-dir",
                               str(folder), "--scenario", args.scenario, "--teams", args.teams, "--lang", "en",
                               "--worlds", str(args.worlds)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    banner = ""
    while "Ctrl-C" not in banner:
        line = server.stdout.readline()
        if not line:
            raise SystemExit(f"the server did not start:\n{banner}")
        banner += line
    for _ in range(200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    code = re.search(r"room code:\s+(\w+)", banner).group(1)
    pin = re.search(r"PIN (\d+)", banner).group(1)
    return server, f"http://127.0.0.1:{port}", code, pin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worlds", type=int, default=4)
    parser.add_argument("--teams", default="KOR,USA,CHN,TWN,JPN,EU,GCC,ROW")
    parser.add_argument("--students", type=int, default=120)
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--poll", type=float, default=2.0)
    parser.add_argument("--think", type=float, default=1.0, help="seconds a team looks at its desk before submitting")
    parser.add_argument("--sockets", type=int, default=8)
    parser.add_argument("--answer", choices=("random", "first"), default="random",
                        help="the choice a team asked live picks: a seeded random one, or the first")
    parser.add_argument("--seed", type=int, default=7, help="the seed of the teams' random answers")
    args = parser.parse_args()
    teams = args.teams.split(",")
    seats = [(w, t) for w in range(args.worlds) for t in teams]
    folder = Path(tempfile.mkdtemp(prefix="bench-classroom-"))
    server, url, code, _ = start_server(args, folder)
    idle_mb = rss_mb(server.pid)
    timings: dict[str, list[float]] = {"desk": [], "preview": [], "submit": [], "advance": [], "pause": [],
                                       "asked": [], "answer": [], "close": [], "poll": []}
    waits: dict[str, list[float]] = {"go on": [], "closed": []}  # from a question appearing
    failures: list[str] = []
    stop = threading.Event()
    pushes: list[list[int]] = [[] for _ in range(args.sockets)]
    try:
        tokens = {}
        for world, team in seats:
            _, body, _ = post(url + "/api/join", {"room": code, "team": team, "world": world, "name": team})
            tokens[world, team] = body["token"]
        mates = []
        for i in range(max(args.students - len(seats), 0)):
            world, team = seats[i % len(seats)]
            status, body, _ = post(url + "/api/join", {"room": code, "team": team, "world": world,
                                                       "teammate": True})
            if status != 200:
                failures.append(f"teammate join {status} {body.get('error')}")
                continue
            mates.append(body["token"])

        def teammate(token: str) -> None:
            while not stop.is_set():
                status, _, took = post(url + "/api/desk", {"token": token})
                if stop.is_set():
                    break
                timings["poll"].append(took)
                if status != 200:
                    failures.append(f"poll {status}")
                stop.wait(args.poll)

        def listener(index: int) -> None:
            from websockets.exceptions import ConnectionClosed
            from websockets.sync.client import connect

            with connect(url.replace("http", "ws") + "/ws") as ws:
                ws.send(json.dumps({"op": "hello", "role": "screen"}))
                while not stop.is_set():
                    try:
                        message = json.loads(ws.recv(timeout=0.5))
                    except TimeoutError:
                        continue
                    except ConnectionClosed:  # the server is stopped at the end of the run
                        return
                    if message.get("type") == "changed":
                        pushes[index].append(message["version"])

        threads = [threading.Thread(target=teammate, args=(t,), daemon=True) for t in mates]
        threads += [threading.Thread(target=listener, args=(i,), daemon=True) for i in range(args.sockets)]
        for t in threads:
            t.start()
        submitted = expected = quarter = 0
        made: dict[int, int] = {}
        answered: list[tuple[int, str, str, int]] = []  # (world, team, event, choice) the server took

        def read_desk(token: str, kind: str) -> dict | None:
            """A student's desk, its request timed under `kind`; None (and a failure) if refused."""
            status, desk, took = post(url + "/api/desk", {"token": token})
            timings[kind].append(took)
            if status != 200:
                failures.append(f"desk ({kind}) {status}")
                return None
            return desk

        def respond(seat: tuple[int, str], appeared: float, gone_on: dict) -> None:
            """The student of a seat asked live: reads the desk, thinks, picks a choice, answers."""
            token = tokens[seat]
            desk = read_desk(token, "asked")
            if desk is None:
                return
            question = desk.get("question")
            if question is None:
                failures.append("asked, but no question on the desk")
                return
            time.sleep(args.think)
            n = len(question["options"])
            choice = 0 if args.answer == "first" else \
                random.Random(f"{args.seed}:{seat[0]}:{seat[1]}:{desk['turn']}:{question['id']}").randrange(n)
            status, answer, took = post(url + "/api/answer", {"token": token, "event": question["id"],
                                                              "choice": choice})
            now = time.perf_counter()
            if status != 200:
                failures.append(f"answer {status} {answer.get('error')}")
                return
            timings["close" if answer.get("advanced") else "answer"].append(took)
            waits["go on"].append(now - appeared)
            answered.append((seat[0], seat[1], question["id"], choice))
            gone_on[seat] = now
        started = time.perf_counter()
        while True:
            changes: list[tuple[int, int]] = []

            def student(seat: tuple[int, str], quarter: int = quarter, changes: list = changes) -> None:
                token = tokens[seat]
                desk = read_desk(token, "desk")
                if desk is None:
                    return
                slider = next((r for s in desk["sections"] for r in s["rows"] if r["type"] == "slider"), None)
                values = {}
                if slider is not None:  # one lever a quarter, moving along its range
                    values[slider["key"]] = slider["low"] + ((quarter + seat[0]) % 3) * slider["step"]
                time.sleep(args.think)
                status, seen, took = post(url + "/api/preview", {"token": token, "values": values})
                timings["preview"].append(took)
                if status != 200 or seen["refusal"]:  # governance would refuse it (over budget): change nothing
                    values = {}
                status, answer, took = post(url + "/api/submit", {"token": token, "turn": desk["turn"],
                                                                  "values": values})
                if status != 200:
                    failures.append(f"submit {status} {answer.get('error')}")
                    return
                timings["advance" if answer.get("advanced") else "submit"].append(took)
                changes.append((seat[0], len(answer["changes"])))

            others = [threading.Thread(target=student, args=(s,)) for s in seats[:-1]]
            for t in others:
                t.start()
            for t in others:
                t.join()
            student(seats[-1])
            paused_at = time.perf_counter()
            with urllib.request.urlopen(url + "/api/screen") as answer:
                screen = json.loads(answer.read())
            if screen["asking"] and timings["advance"]:  # the last submission only opened the quarter
                timings["pause"].append(timings["advance"].pop())
            appeared = {}
            while screen["asking"] and not failures:  # the teams asked answer, as their pages are told
                asked = sorted({(q["world"], q["team"]) for q in screen["asking"]})
                for seat in asked:
                    appeared.setdefault(seat, paused_at)
                gone_on: dict = {}
                answering = [threading.Thread(target=respond, args=(s, appeared[s], gone_on)) for s in asked]
                for t in answering:
                    t.start()
                for t in answering:
                    t.join()
                with urllib.request.urlopen(url + "/api/screen") as answer:
                    screen = json.loads(answer.read())
                appeared = dict(gone_on)  # a further question appeared when the answer before it returned
                if not screen["asking"] and gone_on:
                    closed = max(gone_on.values())
                    waits["closed"].append(closed - paused_at)
            submitted += len(changes)
            for world, n in changes:
                made[world] = made.get(world, 0) + n
            expected += sum(n for _, n in changes)
            quarter += 1
            if screen["finished"] or failures:
                break
        elapsed = time.perf_counter() - started
        time.sleep(1.0)  # the last pushes reach the sockets
        end_mb = rss_mb(server.pid)
        stop.set()
    finally:
        stop.set()
        server.send_signal(signal.SIGKILL)
        server.wait()
    logged, choices = {}, []
    for world in range(args.worlds):
        save = json.loads((folder / ("game.json" if world == 0 else f"game-{world + 1}.json")).read_text())
        logged[world] = len([e for e in save["log"] if e["source"] == "controller" and e["country"] in teams])
        choices += [(world, e["country"], e["event"], e["choice"]) for e in save["log"]
                    if e["source"] == "choice" and e["country"] in teams]
    print(f"classroom load: {args.worlds} worlds x {len(teams)} teams = {len(seats)} submitting students, "
          f"{len(mates)} teammates polling their desk every {args.poll:g} s, {args.sockets} WebSockets; "
          f"{quarter} quarters of {args.scenario} in {elapsed:.1f} s (think {args.think:g} s)")
    for name, values in timings.items():
        if values:
            print(f"  {name:<8} n={len(values):>5}  p50 {pct(values, 0.5):7.1f} ms  p95 {pct(values, 0.95):7.1f} ms"
                  f"  max {max(values) * 1000:7.1f} ms")
    every = timings["answer"] + timings["close"]
    if every:
        print(f"  {'answers':<8} n={len(every):>5}  p50 {pct(every, 0.5):7.1f} ms  p95 {pct(every, 0.95):7.1f} ms"
              f"  max {max(every) * 1000:7.1f} ms (answer: the quarter went on; close: it also closed)")
    for name, values in waits.items():
        if values:
            print(f"  question to {'the quarter going on in its world' if name == 'go on' else 'the quarter closed'}: "
                  f"n={len(values)}  p50 {pct(values, 0.5):7.1f} ms  p95 {pct(values, 0.95):7.1f} ms"
                  f"  max {max(values) * 1000:7.1f} ms (think {args.think:g} s included)")
    print(f"  server memory (RSS): {idle_mb:.0f} MB at start, {end_mb:.0f} MB at the end of the term")
    print(f"  refused or failed requests: {len(failures)} {sorted(set(failures))[:3]}")
    worlds = range(args.worlds)
    print(f"  submissions answered: {submitted} of {len(seats) * quarter}; Actions they made per world "
          f"{[made.get(w, 0) for w in worlds]}, in the saved logs {[logged[w] for w in worlds]}")
    print(f"  questions answered live: {len(answered)} ({args.answer} choice); in the saved logs "
          f"{sum(1 for c in answered if c in choices)} of them, and {len(choices)} event choices of seated teams "
          f"logged in all; {'the same' if sorted(answered) == sorted(choices) else 'NOT the same'}")
    quarters_seen = [len(set(p)) for p in pushes]
    print(f"  WebSocket pushes received per socket: min {min(quarters_seen, default=0)}, "
          f"max {max(quarters_seen, default=0)} (at least one per quarter and per submission expected: "
          f">= {quarter})")


if __name__ == "__main__":
    main()
