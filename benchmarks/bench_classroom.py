"""A classroom under load: a real `python main.py classroom` server and simulated students on
loopback, for a whole term.

    python benchmarks/bench_classroom.py [--teams KOR,USA,CHN,TWN,JPN,EU,GCC,ROW] [--watchers 112]
                                         [--scenario baseline] [--poll 2.0] [--think 1.0]

Prints figures; asserts nothing. One world (several worlds per room are not built yet): every
team's seat is taken by a simulated student who, each quarter, reads the desk, previews one
change (after `--think` seconds) and submits it; the last submission of a quarter plays it
(auto-advance), so its request time is the quarter-advance latency. `--watchers` more clients
(the rest of a class of 120: teammates, the projector) poll the projector's view every `--poll`
seconds meanwhile. Reports: request latencies (p50/p95) for desk reads, previews, submissions and quarter advances, poll
latency, requests refused or failed (none expected), the server's resident memory at the end,
and a check that every submitted Action is in the saved game's governance log.
"""

from __future__ import annotations

import argparse
import json
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


def get(url: str) -> tuple[int, float]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            answer.read()
            return answer.status, time.perf_counter() - start
    except urllib.error.HTTPError as exc:
        return exc.code, time.perf_counter() - start
    except (urllib.error.URLError, OSError):  # the server has gone (the end of the run)
        return 0, time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def rss_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", default="KOR,USA,CHN,TWN,JPN,EU,GCC,ROW")
    parser.add_argument("--watchers", type=int, default=112)
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--poll", type=float, default=2.0)
    parser.add_argument("--think", type=float, default=1.0, help="seconds a team looks at its desk before submitting")
    args = parser.parse_args()
    teams = args.teams.split(",")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = Path(tempfile.mkdtemp(prefix="bench-classroom-"))
    server = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "classroom", "--port", str(port), "--room-dir",
                               str(folder), "--scenario", args.scenario, "--teams", args.teams, "--lang", "en"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    banner = ""
    while "Ctrl-C" not in banner:
        banner += server.stdout.readline()
    code = re.search(r"room code:\s+(\w+)", banner).group(1)
    pin = re.search(r"PIN (\d+)", banner).group(1)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    idle_mb = rss_mb(server.pid)
    timings: dict[str, list[float]] = {"desk": [], "preview": [], "submit": [], "advance": [], "poll": []}
    failures: list[str] = []
    stop = threading.Event()
    try:
        tokens = {}
        for team in teams:
            _, body, _ = post(url + "/api/join", {"room": code, "team": team, "name": team})
            tokens[team] = body["token"]
        post(url + "/api/teacher/login", {"pin": pin})

        def watcher() -> None:
            while not stop.is_set():
                status, took = get(url + "/api/screen")
                if stop.is_set():
                    break
                timings["poll"].append(took)
                if status != 200:
                    failures.append(f"poll {status}")
                stop.wait(args.poll)

        threads = [threading.Thread(target=watcher, daemon=True) for _ in range(args.watchers)]
        for t in threads:
            t.start()
        submitted = expected = 0
        turns = None
        quarter = 0
        started = time.perf_counter()
        while True:
            barrier = []

            def student(team: str, last: bool, quarter: int = quarter, barrier: list = barrier) -> None:
                status, desk, took = post(url + "/api/desk", {"token": tokens[team]})
                timings["desk"].append(took)
                if status != 200:
                    failures.append(f"desk {status}")
                    return
                slider = next((r for s in desk["sections"] for r in s["rows"] if r["type"] == "slider"), None)
                values = {}
                if slider is not None:  # one lever a quarter, moving along its range
                    values[slider["key"]] = slider["low"] + (quarter % 3) * slider["step"]
                time.sleep(args.think)
                status, seen, took = post(url + "/api/preview", {"token": tokens[team], "values": values})
                timings["preview"].append(took)
                if status != 200 or seen["refusal"]:  # governance would refuse it (over budget): change nothing
                    values = {}
                status, answer, took = post(url + "/api/submit", {"token": tokens[team], "turn": desk["turn"],
                                                                  "values": values})
                if status != 200:
                    failures.append(f"submit {status} {answer.get('error')}")
                    return
                timings["advance" if answer.get("advanced") else "submit"].append(took)
                barrier.append(len(answer["changes"]))

            others = [threading.Thread(target=student, args=(t, False)) for t in teams[:-1]]
            for t in others:
                t.start()
            for t in others:
                t.join()
            student(teams[-1], True)
            submitted += len(barrier)
            expected += sum(barrier)
            with urllib.request.urlopen(url + "/api/screen") as answer:
                screen = json.loads(answer.read())
            turns = screen["turns"]
            quarter += 1
            if screen["finished"] or failures:
                break
        elapsed = time.perf_counter() - started
        stop.set()
        end_mb = rss_mb(server.pid)
    finally:
        stop.set()
        server.send_signal(signal.SIGKILL)
        server.wait()
    save = json.loads((folder / "game.json").read_text())
    logged = [e for e in save["log"] if e["source"] == "controller" and e["country"] in teams]
    print(f"classroom load: {len(teams)} seated teams + {args.watchers} watchers polling every {args.poll:g} s, "
          f"{turns} quarters of {args.scenario} in {elapsed:.1f} s")
    for name, values in timings.items():
        if values:
            print(f"  {name:<8} n={len(values):>5}  p50 {pct(values, 0.5):7.1f} ms  p95 {pct(values, 0.95):7.1f} ms"
                  f"  max {max(values) * 1000:7.1f} ms")
    print(f"  server memory (RSS): {idle_mb:.0f} MB at start, {end_mb:.0f} MB at the end of the term")
    print(f"  refused or failed requests: {len(failures)} {sorted(set(failures))[:3]}")
    print(f"  submissions answered 200: {submitted} of {len(teams) * quarter}; Actions they made: {expected}; "
          f"the teams' Actions in the saved game's log: {len(logged)}")


if __name__ == "__main__":
    main()
