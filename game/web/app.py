"""The classroom server: a Starlette app (served by uvicorn) around one `Room`.

Why a plain Starlette app and not oTree (docs/classroom_server.md): the game already has its own
turn engine, its one seam for Actions (`Governance.submit`), saves and replay; what a classroom
needs on top is small (seats, a dashboard, a projected page) and is here in a few hundred lines.

Requests are JSON over HTTP (each body validated by game/web/schemas.py, at most 16 kB); a
WebSocket per page only says "something changed" (the room's version), and the page re-reads
what it shows, so a missed push costs nothing but a moment (pages also poll slowly). Every
handler runs on the event loop and a quarter takes milliseconds, so the room is never touched by
two requests at once. Nothing is fetched from the internet: pages, script, style and the Hangul
font are served from the package.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict, deque
from pathlib import Path

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from game.text import tr
from game.web import schemas
from game.web.fonts import page_fonts
from game.web.room import Room, RoomError, game_file, public

STATIC = Path(__file__).resolve().parent / "static"
LANGS = ("en", "ko")
TICK = 0.5  # seconds between two looks at the decision timer


def page_strings(lang: str) -> dict[str, str]:
    """The pages' own text (`web.page.*`) in one language, for the script to fill in."""
    from game.text import _table

    return {k[len("web.page."):]: str(v) for k, v in _table(lang).items() if k.startswith("web.page.")}


class Limiter:
    """A sliding window per client address: at most `limit` requests in `window` seconds. Two
    of them: every request, and the failed guesses of a room code or a PIN (so neither can be
    guessed by trying)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.hits: dict[str, deque] = defaultdict(deque)

    def allow(self, who: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self.hits[who]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True

    def blocked(self, who: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self.hits.get(who)
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return bool(hits) and len(hits) >= self.limit


class Hub:
    """The open WebSockets; each is told the room's version when it changes."""

    def __init__(self) -> None:
        self.sockets: set[WebSocket] = set()

    async def notify(self, version: int, **extra) -> None:
        message = {"type": "changed", "version": version, **extra}
        for socket in list(self.sockets):
            try:
                await socket.send_json(message)
            except Exception:  # a socket that went away mid-send: forgotten
                self.sockets.discard(socket)


def create_app(room: Room, address: str = "", request_limit: int = 6000, guess_limit: int = 20) -> Starlette:
    """The app serving `room`. `address` is the students' address (shown on the projector);
    `request_limit` requests a minute per client address (a flood, not a class: a school's
    proxy may put a whole class behind one address), `guess_limit` wrong room codes or PINs a
    minute."""
    hub = Hub()
    requests = Limiter(request_limit, 60.0)
    guesses = Limiter(guess_limit, 60.0)
    fonts = page_fonts(room.scenario_name)

    def lang_of(request: Request) -> str:
        lang = request.headers.get("x-lang") or request.query_params.get("lang") or room.lang
        return lang if lang in LANGS else room.lang

    def error(status: int, key: str, lang: str, **params) -> JSONResponse:
        return JSONResponse({"error": str(tr(f"web.error.{key}", lang)).format(**params), "code": key}, status)

    async def read(request: Request, model: type[BaseModel]) -> BaseModel | JSONResponse:
        """The body as `model`, or the error response saying what is wrong with it."""
        lang = lang_of(request)
        who = request.client.host if request.client else "?"
        if not requests.allow(who):
            return error(429, "rate", lang)
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > schemas.MAX_BODY):
            return error(413, "too_big", lang)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > schemas.MAX_BODY:
                return error(413, "too_big", lang)
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            return error(422, "malformed", lang, problem=f"{where}: {first['msg']}" if where else first["msg"])

    def guarded(model: type[BaseModel], guess: bool = False):
        """A JSON endpoint: the body validated, the room's refusals turned into their message,
        the pages told when the room changed. `guess`: wrong codes or PINs are counted."""
        def wrap(handler):
            async def endpoint(request: Request) -> Response:
                lang = lang_of(request)
                who = request.client.host if request.client else "?"
                if guess and guesses.blocked(who):
                    return error(429, "rate", lang)
                message = await read(request, model)
                if isinstance(message, Response):
                    return message
                before = room.version
                try:
                    out = handler(message, lang)
                except RoomError as exc:
                    if guess and exc.key in ("room_code", "pin"):
                        guesses.allow(who)
                    return JSONResponse({"error": exc.text(lang), "code": exc.key}, exc.status)
                except OSError as exc:  # the room's files could not be written (a full disk, a removed folder)
                    print(f"classroom: cannot save the room in {room.folder}: {exc}", flush=True)
                    return error(503, "save", lang)
                finally:
                    if room.version != before:
                        await hub.notify(room.version)
                return JSONResponse(out)
            return endpoint
        return wrap

    # ------------------------------------------------------------------ students
    @guarded(schemas.Lobby, guess=True)
    def lobby(m: schemas.Lobby, lang: str) -> dict:
        return room.lobby(m.room, lang)

    @guarded(schemas.Join, guess=True)
    def join(m: schemas.Join, lang: str) -> dict:
        token = room.join(m.room, m.team, m.name, m.lang, m.teammate, m.world)
        return {"token": token, "team": m.team}

    @guarded(schemas.Seat)
    def desk(m: schemas.Seat, lang: str) -> dict:
        return {**public(room.desk(*room.seat_of(m.token), lang)), "submits": room.submits(m.token)}

    @guarded(schemas.Why)
    def why(m: schemas.Why, lang: str) -> dict:
        return room.ask_why(*room.seat_of(m.token), lang, component=m.component, market=m.market, firm=m.firm,
                            price=m.price)

    @guarded(schemas.Preview)
    def preview(m: schemas.Preview, lang: str) -> dict:
        return public(room.assess(*room.seat_of(m.token), m.values, lang))

    @guarded(schemas.Submit)
    def submit(m: schemas.Submit, lang: str) -> dict:
        return room.submit(m.token, m.turn, m.values, lang, m.answers)

    @guarded(schemas.Answer)
    def answer(m: schemas.Answer, lang: str) -> dict:
        return room.answer(m.token, m.event, m.choice, lang)

    @guarded(schemas.Withdraw)
    def withdraw(m: schemas.Withdraw, lang: str) -> dict:
        room.withdraw(m.token, m.turn)
        return {"submitted": False}

    # ------------------------------------------------------------------ the teacher
    @guarded(schemas.TeacherLogin, guess=True)
    def teacher_login(m: schemas.TeacherLogin, lang: str) -> dict:
        return {"teacher": room.teacher_login(m.pin)}

    def as_teacher(handler):
        def checked(m, lang: str):
            room.check_teacher(m.teacher)
            return handler(m, lang)
        return checked

    @guarded(schemas.Teacher)
    @as_teacher
    def teacher_state(m: schemas.Teacher, lang: str) -> dict:
        return {**room.teacher_view(lang), "address": address}

    @guarded(schemas.Teacher)
    @as_teacher
    def end_quarter(m: schemas.Teacher, lang: str) -> dict:
        room.end_quarter()
        return {"date": room.deciding(lang)}

    @guarded(schemas.Switch)
    @as_teacher
    def switch(m: schemas.Switch, lang: str) -> dict:
        room.set_switch(m.name, m.on)
        return {m.name: m.on}

    @guarded(schemas.FreeSeat)
    @as_teacher
    def free_seat(m: schemas.FreeSeat, lang: str) -> dict:
        room.free_seat(m.team, m.world)
        return {"freed": m.team}

    @guarded(schemas.MoveSeat)
    @as_teacher
    def move_seat(m: schemas.MoveSeat, lang: str) -> dict:
        room.move_seat(m.team, m.to, m.world, m.to_world)
        return {"moved": m.team, "to": m.to}

    @guarded(schemas.Timer)
    @as_teacher
    def timer(m: schemas.Timer, lang: str) -> dict:
        room.set_timer(m.seconds)
        return {"timer": m.seconds}

    @guarded(schemas.Trigger)
    @as_teacher
    def trigger(m: schemas.Trigger, lang: str) -> dict:
        room.trigger(m.event, lang)
        return {"triggered": m.event}

    @guarded(schemas.Rewind)
    @as_teacher
    def rewind(m: schemas.Rewind, lang: str) -> dict:
        room.rewind(m.turn)
        return {"date": room.deciding(lang)}

    @guarded(schemas.Broadcast)
    @as_teacher
    def broadcast(m: schemas.Broadcast, lang: str) -> dict:
        room.broadcast(m.text)
        return {"sent": True}

    # ------------------------------------------------------------------ public pages and data
    async def screen(request: Request) -> Response:
        return JSONResponse({**room.screen_view(lang_of(request)), "address": address})

    async def world_map(request: Request) -> Response:
        """The map of one world (?world=N, from 1; the first by default) after its last quarter."""
        lang = lang_of(request)
        number = request.query_params.get("world", "1")
        if not number.isdigit() or not 1 <= int(number) <= len(room.tables):
            return error(404, "world", lang, world=number[:8])
        return JSONResponse(room.map_of(int(number) - 1, lang))

    async def strings(request: Request) -> Response:
        return JSONResponse(page_strings(lang_of(request)))

    async def results(request: Request) -> Response:
        lang = lang_of(request)
        try:
            return JSONResponse(await board(room.results, lang))
        except RoomError as exc:
            return JSONResponse({"error": exc.text(lang), "code": exc.key}, exc.status)

    computing = asyncio.Lock()

    async def board(compute, lang: str):
        """The results board: its what-if games (a few seconds for several worlds, once) are
        played in a thread, one request at a time, so the pages stay answered meanwhile."""
        if not room.world.finished:
            raise RoomError(409, "not_finished")
        async with computing:
            if not room.what_ifs_ready:
                await asyncio.to_thread(room.what_ifs)
            return compute(lang)

    def world_asked(request: Request) -> int | Response:
        """The world a results request names (?world=N, from 1; the first by default), or the
        error response; every results file waits for the end of the term."""
        if not room.world.finished:
            return error(409, "not_finished", lang_of(request))
        number = request.query_params.get("world", "1")
        if not number.isdigit() or not 1 <= int(number) <= len(room.tables):
            return error(404, "world", lang_of(request), world=number[:8])
        return int(number) - 1

    def report_lang(request: Request, default: str) -> str:
        lang = request.query_params.get("lang", default)
        return lang if lang in ("en", "ko", "both") else default

    writing: dict = {}  # results file -> the lock its first writer holds

    async def written_once(out, write) -> Response:
        """A results page written by `write(out)` (matplotlib, fonts: in a thread) the first time
        it is asked for, then served from the room folder; a rewind deletes it (Room.rewind). A
        seat's teammates asking at once wait for the one render (a team's debrief re-plays its
        no-action game) instead of each starting another."""
        if not out.exists():
            async with writing.setdefault(out, asyncio.Lock()):
                if not out.exists():
                    await asyncio.to_thread(write, out)
        return FileResponse(out, media_type="text/html; charset=utf-8")

    async def debrief(request: Request) -> Response:
        """A world's debrief (game/report: written once at the end of the term, then kept): for
        the team named (?team=CODE: its own objective and its own no-action game, as `report
        --team`), else for the room's first team; every team's result in a table either way."""
        lang = report_lang(request, "both")
        index = world_asked(request)
        if isinstance(index, Response):
            return index
        team = request.query_params.get("team")
        if team is not None and team not in room.world.countries:
            return error(404, "team", lang_of(request), team=team[:8])

        def write(out) -> None:
            from game.report.debrief import write_report  # matplotlib: loaded when first asked for

            write_report(room.tables[index].world, room.scenario_name, out, lang, team=team)

        name = f"debrief-{team}-{lang}" if team else f"debrief-{lang}"
        return await written_once(room.folder / f"{name}-world{index + 1}.html", write)

    async def team_page(request: Request) -> Response:
        """A team's one printed page (game/report/onepage.py): its score against its own
        doing-nothing game, the lesson's key quantities, its decisions and the questions."""
        lang = report_lang(request, "ko")
        index = world_asked(request)
        if isinstance(index, Response):
            return index
        team = request.query_params.get("team", "")
        if team not in room.world.countries:
            return error(404, "team", lang_of(request), team=team[:8])

        def write(out) -> None:
            from game.report.debrief import languages
            from game.report.onepage import one_page_html
            from game.saves import write_text_atomically

            write_text_atomically(out, one_page_html(room.tables[index].world, room.scenario_name,
                                                     languages(lang), team))

        return await written_once(room.folder / f"team-{team}-{lang}-world{index + 1}.html", write)

    async def save_file(request: Request) -> Response:
        """A world's save, a normal save file (`report`, `replay`, the desktop game open it)."""
        index = world_asked(request)
        if isinstance(index, Response):
            return index
        return FileResponse(room.folder / game_file(index), media_type="application/json",
                            filename=f"classroom-{room.code}-world{index + 1}.json")

    async def results_csv(request: Request) -> Response:
        lang = lang_of(request)
        try:
            text = await board(room.results_csv, lang)
        except RoomError as exc:
            return JSONResponse({"error": exc.text(lang), "code": exc.key}, exc.status)
        return Response(text.encode("utf-8-sig"), media_type="text/csv; charset=utf-8",  # a BOM: Excel reads Hangul
                        headers={"content-disposition": f'attachment; filename="results-{room.code}.csv"'})

    async def qr(request: Request) -> Response:
        """The students' address as a QR code (SVG), if segno is installed."""
        try:
            import segno
        except ImportError:
            return Response(status_code=404)
        import io

        out = io.BytesIO()
        target = f"{address or 'http://127.0.0.1/'}?room={room.code}"  # the code filled in for the student
        segno.make(target, error="m").save(out, kind="svg", scale=8, border=2)
        return Response(out.getvalue(), media_type="image/svg+xml")

    async def font(request: Request) -> Response:
        data = fonts.get(request.path_params["weight"])
        if data is None:
            return Response(status_code=404)
        return Response(data, media_type="font/woff", headers={"cache-control": "max-age=86400"})

    def page(name: str):
        """A page in the room's language until the reader picks one (kept in their browser)."""
        html = (STATIC / name).read_text(encoding="utf-8").replace('<html lang="ko">', f'<html lang="{room.lang}">')

        async def serve(request: Request) -> Response:
            return HTMLResponse(html, headers={"cache-control": "no-cache"})
        return serve

    # ------------------------------------------------------------------ the WebSocket
    async def socket(ws: WebSocket) -> None:
        """The first message says who listens (a seat's token is checked, so a forged one is
        refused at once); then the server pushes the room's version and answers pings. A
        malformed or oversized message closes the socket with a reason."""
        await ws.accept()
        try:
            hello = schemas.Hello.model_validate_json(await _receive(ws))
            if hello.role == "student":
                room.seat_of(hello.token or "")
            elif hello.role == "teacher":
                room.check_teacher(hello.token or "")
        except (ValidationError, ValueError):
            await _refuse(ws, "malformed", room.lang, problem="hello")
            return
        except RoomError as exc:
            await ws.send_json({"type": "error", "code": exc.key, "error": exc.text(room.lang)})
            await ws.close(code=1008)
            return
        except WebSocketDisconnect:
            return
        hub.sockets.add(ws)
        try:
            await ws.send_json({"type": "hello", "version": room.version})
            while True:
                try:
                    schemas.Ping.model_validate_json(await _receive(ws))
                except (ValidationError, ValueError):
                    await _refuse(ws, "malformed", room.lang, problem="ping")
                    return
                await ws.send_json({"type": "pong", "version": room.version})
        except WebSocketDisconnect:
            pass
        finally:
            hub.sockets.discard(ws)

    routes = [
        Route("/", page("student.html")), Route("/teacher", page("teacher.html")),
        Route("/screen", page("screen.html")),
        Route("/api/strings", strings), Route("/api/lobby", lobby, methods=["POST"]),
        Route("/api/join", join, methods=["POST"]), Route("/api/desk", desk, methods=["POST"]),
        Route("/api/preview", preview, methods=["POST"]), Route("/api/submit", submit, methods=["POST"]),
        Route("/api/why", why, methods=["POST"]),
        Route("/api/withdraw", withdraw, methods=["POST"]), Route("/api/answer", answer, methods=["POST"]),
        Route("/api/teacher/login", teacher_login, methods=["POST"]),
        Route("/api/teacher/state", teacher_state, methods=["POST"]),
        Route("/api/teacher/end_quarter", end_quarter, methods=["POST"]),
        Route("/api/teacher/switch", switch, methods=["POST"]),
        Route("/api/teacher/free", free_seat, methods=["POST"]),
        Route("/api/teacher/move", move_seat, methods=["POST"]),
        Route("/api/teacher/message", broadcast, methods=["POST"]),
        Route("/api/teacher/timer", timer, methods=["POST"]),
        Route("/api/teacher/trigger", trigger, methods=["POST"]),
        Route("/api/teacher/rewind", rewind, methods=["POST"]),
        Route("/api/screen", screen), Route("/api/map", world_map), Route("/api/results", results),
        Route("/results/debrief.html", debrief), Route("/results/team.html", team_page),
        Route("/results/save.json", save_file),
        Route("/results/results.csv", results_csv),
        Route("/qr.svg", qr), Route("/font/{weight}.woff", font),
        WebSocketRoute("/ws", socket),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app):
        """The decision timer's clock: every half second, a quarter whose time is up is played."""
        async def clock() -> None:
            while True:
                await asyncio.sleep(TICK)
                try:
                    if room.tick():
                        await hub.notify(room.version)
                except Exception as exc:  # a failed quarter must not stop the server: the timer stops instead
                    room.deadline = None
                    print(f"classroom: the timer could not play the quarter ({exc!r}); it is off for this "
                          "quarter, End Quarter on the dashboard tries again", flush=True)
        task = asyncio.create_task(clock())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.room = room
    app.state.hub = hub
    return app


async def _receive(ws: WebSocket) -> str:
    """One text message of at most MAX_BODY characters (a bigger one is a ValueError)."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        raw = message.get("bytes") or b""
        if len(raw) > schemas.MAX_BODY:
            raise ValueError("too big")
        text = raw.decode("utf-8", "replace")
    if len(text) > schemas.MAX_BODY:
        raise ValueError("too big")
    json.loads(text)  # a ValueError for what is not JSON at all
    return text


async def _refuse(ws: WebSocket, key: str, lang: str, **params) -> None:
    with contextlib.suppress(Exception):
        await ws.send_json({"type": "error", "code": key, "error": str(tr(f"web.error.{key}", lang)).format(**params)})
        await ws.close(code=1008)
