"""The networked classroom end to end in a real browser: Debian's headless Chromium driven by
Playwright (no browser is downloaded), a real `python main.py classroom` server in a subprocess.

A teacher and three teams join one room, submit levers for two quarters, one team reloads
mid-quarter and keeps its seat, the server is killed (SIGKILL) and restarted with the same
command and the room resumes where it was, and the class reaches the results board and the
debrief. Screenshots of the desk, the dashboard and the projected view in both languages go to
$WEB_SCREENSHOTS (default: the test's temporary folder)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from webtools import Server

pytest.importorskip("starlette", reason="the classroom extra is not installed (pip install -e '.[classroom]')")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the test extra)")
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (sudo apt install chromium); no browser is downloaded",
                allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
TEAMS = ("KOR", "USA", "CHN")
WAIT = 15_000  # ms


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("WEB_SCREENSHOTS", tmp_path / "shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_class_plays_two_quarters_survives_a_restart_and_reaches_the_results(tmp_path, browser):
    expect = sync_api.expect
    server = Server(tmp_path / "room", "--scenario", "lesson_procurement_chain", "--teams", ",".join(TEAMS),
                    "--lang", "en", "--seed", "5")
    folder = shots(tmp_path)
    try:
        server.start()
        url = server.url

        # the teacher signs in with the printed PIN
        teacher = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        teacher.goto(url + "teacher")
        teacher.fill("#pin", server.pin)
        teacher.click("#sign-in")
        expect(teacher.locator("#dash")).to_be_visible(timeout=WAIT)

        # three teams join from their own browsers (own storage each), the room code filled from the QR link
        students = {}
        for code in TEAMS:
            page = browser.new_context(viewport={"width": 1100, "height": 1400}).new_page()
            page.goto(f"{url}?room={server.code}")
            page.click("#enter")
            page.click(f"#teams button[data-team={code}]")
            expect(page.locator("#desk")).to_be_visible(timeout=WAIT)
            students[code] = page
        # a fourth student joins Korea's team as a teammate: the same desk, without Submit
        mate = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
        mate.goto(f"{url}?room={server.code}")
        mate.click("#enter")
        expect(mate.locator("#teams button[data-teammate=KOR]")).to_contain_text("Korea", timeout=WAIT)
        mate.click("#teams button[data-teammate=KOR]")
        expect(mate.locator("#country")).to_have_text("Korea", timeout=WAIT)
        expect(mate.locator("#submit")).to_be_hidden()
        expect(mate.locator("#viewer")).to_be_visible()
        mate.context.close()
        expect(teacher.locator("#seats tr[data-team=CHN]")).not_to_contain_text("empty", timeout=WAIT)
        expect(students["KOR"].locator("#country")).to_have_text("Korea")
        expect(students["USA"].locator("#country")).to_have_text("United States")
        assert students["USA"].locator("input[data-key=foundry_subsidy]").count() == 0, "a US desk has no Korean lever"

        # quarter 1: Korea moves a slider (the cost and the change appear), everyone submits
        korea = students["KOR"]
        korea.locator("input[data-key=foundry_subsidy]").fill("30")
        expect(korea.locator("#changes")).to_contain_text("Foundry price-gap subsidy 30%", timeout=WAIT)
        korea.screenshot(path=str(folder / "student-desk-en.png"), full_page=True)
        for code in TEAMS:
            students[code].click("#submit")
            if code != TEAMS[-1]:
                expect(students[code].locator("#status")).to_have_class("ok", timeout=WAIT)
        for page in students.values():  # all submitted: auto-advance played the quarter; pages are told
            expect(page.locator("#quarter")).to_contain_text("2025Q2", timeout=WAIT)
        expect(teacher.locator("#date")).to_contain_text("2025Q2", timeout=WAIT)
        expect(korea.locator("#verdicts")).to_contain_text("Foundry price-gap subsidy 30%: accepted")

        # quarter 2: the US team reloads mid-quarter and keeps its seat; then all submit
        students["KOR"].click("#submit")
        expect(teacher.locator("#seats tr[data-team=KOR]")).to_contain_text("✔", timeout=WAIT)
        students["USA"].reload()
        expect(students["USA"].locator("#desk")).to_be_visible(timeout=WAIT)
        expect(students["USA"].locator("#country")).to_have_text("United States")
        teacher.select_option("#timer", "300")  # a five-minute decision timer: every page counts down
        expect(teacher.locator("#clock")).to_contain_text("Time left: 4:5", timeout=WAIT)
        expect(korea.locator("#clock")).to_contain_text("Time left:", timeout=WAIT)
        teacher.screenshot(path=str(folder / "dashboard-en.png"), full_page=True)
        for code in ("USA", "CHN"):
            students[code].click("#submit")

        # the quarter pauses at an event that asks Korea (issue 18): Korea's desk shows the question
        # live with each answer's stakes, the other desks and the dashboard say what the class waits
        # for, and Korea's click goes on with the quarter
        expect(korea.locator("#question")).to_be_visible(timeout=WAIT)
        expect(korea.locator("#question-title")).to_have_text("A Gulf mega-deal for AI compute")
        expect(korea.locator("#question-text")).to_contain_text("A Gulf sovereign fund commits")
        expect(korea.locator("#question-options button[data-answer]")).to_have_count(2)
        expect(korea.locator("#question-options")).to_contain_text("expected score in")
        expect(korea.locator("#submit")).to_be_disabled()
        expect(students["USA"].locator("#asking")).to_contain_text(
            "waiting for Korea to answer “A Gulf mega-deal for AI compute”", timeout=WAIT)
        expect(students["USA"].locator("#question")).to_be_hidden()
        expect(teacher.locator("#end")).to_contain_text("Go on without the answers", timeout=WAIT)
        korea.screenshot(path=str(folder / "student-question-en.png"), full_page=True)
        korea.click("#question-options button[data-answer='1']")  # "Stay out"
        for page in students.values():
            expect(page.locator("#quarter")).to_contain_text("2025Q3", timeout=WAIT)
        expect(korea.locator("#question")).to_be_hidden()
        expect(students["USA"].locator("#asking")).to_be_hidden()
        # why the score moved: what each component gave, above the causes
        expect(korea.locator("#why")).to_contain_text("By component: ", timeout=WAIT)
        saved = json.loads((server.room_dir / "game.json").read_text(encoding="utf-8"))
        assert [(e["country"], e["event"], e["choice"]) for e in saved["log"] if e["source"] == "choice"] == \
            [("KOR", "middle_east_compute_deal", 1)], "the live answer is logged, so the save re-plays it"

        screen = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        screen.goto(url + "screen")
        expect(screen.locator("#code")).to_have_text(server.code, timeout=WAIT)
        expect(screen.locator(".card")).to_have_count(3)
        # the world map of last quarter, drawn as SVG: the countries and some flows
        expect(screen.locator("svg.worldmap polygon[data-country=KOR]")).to_have_count(1, timeout=WAIT)
        assert screen.locator("svg.worldmap [data-flow]").count() > 0
        # a foreign firm's fabs, hollow in the host country (TSMC Arizona), their lines in the tooltip
        expect(screen.locator('svg.worldmap [data-site="TSMC@USA"] title')).to_contain_text("Its fabs abroad")
        expect(screen.locator("#map-legend")).to_contain_text("Foreign-owned fab")
        expect(screen.locator("svg.worldmap text.korea")).to_have_text("Korea")
        # laid out for a projector: at 1280x800 everything is on one screen, nothing scrolls
        fit = screen.evaluate("""() => { const d = document.documentElement, box = s => document.querySelector(s)
            .getBoundingClientRect(); return {page: [d.scrollWidth, d.scrollHeight], view: [innerWidth, innerHeight],
            bottoms: ['#code', '#scores', 'svg.worldmap', '#map-legend', '#news'].map(s => box(s).bottom)}; }""")
        assert fit["page"] == fit["view"] == [1280, 800], fit
        assert max(fit["bottoms"]) <= 800, fit
        screen.screenshot(path=str(folder / "screen-en.png"), full_page=True)
        # a push within the quarter (a decision submitted) changes the cards, not the map: no new fetch
        maps: list[str] = []
        screen.on("request", lambda r: maps.append(r.url) if "/api/map" in r.url else None)
        students["CHN"].click("#submit")
        expect(screen.locator(".card[data-team=CHN] .head")).to_contain_text("✔", timeout=WAIT)
        assert maps == [], maps
        # Why? for one component of Korea's objective: a click on its row
        korea.locator("#objective tr[data-component]").first.click()
        expect(korea.locator("#component-why")).to_contain_text("Why?", timeout=WAIT)

        # the server dies and is started again with the same command: the room resumes
        server.kill()
        server.start()
        for page in (korea, teacher):
            page.reload()
        expect(korea.locator("#desk")).to_be_visible(timeout=WAIT)
        expect(korea.locator("#quarter")).to_contain_text("2025Q3", timeout=WAIT)
        expect(teacher.locator("#date")).to_contain_text("2025Q3", timeout=WAIT)
        expect(students["CHN"].locator("#quarter")).to_contain_text("2025Q3", timeout=WAIT)  # reconnected by itself

        # both languages: each reader switches on their own page
        for page in (korea, teacher, screen):
            page.click("#lang")
            expect(page.locator("html")).to_have_attribute("lang", "ko", timeout=WAIT)
        expect(korea.locator("#country")).to_have_text("한국", timeout=WAIT)
        expect(korea.locator("#levers")).to_contain_text("파운드리 가격차 보조금", timeout=WAIT)
        expect(teacher.locator("#end")).to_have_text("지금 분기 마치기")
        screen.reload()
        expect(screen.locator("#date")).to_contain_text("2025년 3분기", timeout=WAIT)
        expect(screen.locator("svg.worldmap text.korea")).to_have_text("한국", timeout=WAIT)
        korea.locator("#objective tr[data-component]").first.click()  # (the reload closed it)
        expect(korea.locator("#component-why")).to_contain_text("왜?", timeout=WAIT)
        korea.screenshot(path=str(folder / "student-desk-ko.png"), full_page=True)
        teacher.screenshot(path=str(folder / "dashboard-ko.png"), full_page=True)
        screen.screenshot(path=str(folder / "screen-ko.png"), full_page=True)

        # the teacher plays the rest of the term; everyone reaches the results board
        shown = screen.locator("#map-date").inner_text()
        for _ in range(12):  # a quarter that stops at a question takes a second click (go on without it)
            if teacher.locator("#end").is_disabled():  # the term is over
                break
            before = teacher.locator("#date").inner_text() + teacher.locator("#end").inner_text()
            teacher.click("#end")
            teacher.wait_for_function("before => document.getElementById('date').textContent + "
                                      "document.getElementById('end').textContent !== before || "
                                      "!document.getElementById('results').classList.contains('hidden')",
                                      arg=before, timeout=WAIT)
        expect(teacher.locator("#results")).to_be_visible(timeout=WAIT)
        expect(teacher.locator("#results-table tr[data-team]")).to_have_count(3)
        expect(korea.locator("#results")).to_be_visible(timeout=WAIT)
        expect(screen.locator("#results")).to_be_visible(timeout=WAIT)
        assert screen.locator("#map-date").inner_text() != shown, "each quarter played brings its map"
        screen.screenshot(path=str(folder / "results-ko.png"), full_page=True)
        links = teacher.locator("#results-table tr[data-team] td.country a")  # every team's own debrief
        expect(links).to_have_count(3)
        assert all(f"team={code}" in (links.nth(i).get_attribute("href") or "")
                   for i, code in enumerate(teacher.eval_on_selector_all(
                       "#results-table tr[data-team]", "rows => rows.map(r => r.dataset.team)")))
        link = korea.locator("#debrief").get_attribute("href")
        assert "team=KOR" in link  # the student's debrief is its own team's
        debrief = korea.context.new_page()
        debrief.goto(url + link.lstrip("/"), timeout=60_000)
        assert re.search("디브리핑|Debrief", debrief.content())
    finally:
        server.kill()


def test_the_end_of_term_board_fits_one_projector_screen(tmp_path, browser):
    """A class of 32 teams (4 worlds x 8 countries) at the end of the term: the projector's results
    board is the whole screen at 1920x1080 and 1280x720, in English and Korean, every row on it
    and nothing to scroll (the rows split into two tables side by side, the type as large as fits)."""
    from game.web.room import Room

    everyone = ("KOR", "USA", "CHN", "TWN", "JPN", "EU", "GCC", "ROW")
    room = Room.open(tmp_path / "room", scenario="lesson_procurement_chain", teams=everyone, seed=7, lang="en",
                     worlds=4)
    try:
        for code in ("KOR", "USA"):
            room.join(room.code, code, f"Team {code.lower()}", "en")
        while not room.world.finished:  # the teacher plays the term (going on past every question)
            room.end_quarter()
    finally:
        room.close()
    server = Server(tmp_path / "room")
    folder = shots(tmp_path)
    try:
        server.start()
        for lang, heading in (("en", "Results board"), ("ko", "결과표")):
            for width, height in ((1920, 1080), (1280, 720)):
                context = browser.new_context(viewport={"width": width, "height": height})
                context.add_init_script(f"localStorage.setItem('classroom-lang', '{lang}')")
                screen = context.new_page()
                screen.goto(server.url + "screen")
                sync_api.expect(screen.locator("#results h2")).to_have_text(heading, timeout=WAIT)
                sync_api.expect(screen.locator("#results-table tr[data-team]")).to_have_count(32, timeout=WAIT)
                fit = screen.evaluate("""() => { const d = document.documentElement;
                    const rows = [...document.querySelectorAll('#results-table tr')]
                        .map(r => r.getBoundingClientRect());
                    const box = document.getElementById('results-table');
                    return {page: [d.scrollWidth, d.scrollHeight], view: [innerWidth, innerHeight],
                            bottom: Math.max(...rows.map(r => r.bottom)), right: Math.max(...rows.map(r => r.right)),
                            clipped: [...box.querySelectorAll('table')]
                                .some(t => t.scrollWidth > t.parentElement.clientWidth + 1),
                            map: document.getElementById('map-section').offsetParent !== null,
                            columns: Number(box.dataset.columns), type: Number(box.dataset.type)}; }""")
                screen.screenshot(path=str(folder / f"screen-end-{lang}-{width}x{height}.png"))
                assert fit["page"] == fit["view"] == [width, height], fit
                assert fit["bottom"] <= height and fit["right"] <= width and not fit["clipped"], fit
                assert not fit["map"], "at the end the board has the screen"
                assert fit["columns"] == 2 and fit["type"] >= (18 if height == 1080 else 12), fit
                context.close()
    finally:
        server.kill()


def test_a_students_desk_and_the_dashboard_fit_a_phones_width(tmp_path, browser):
    """Students join from their phones: at 390 px (a common phone) the desk is one column no wider
    than the screen, in both languages, so nothing scrolls sideways (in English the objective's
    four columns made the page 392 px wide, and a one-column grid of `1fr` then widened the levers
    to 407; the teacher's dashboard was 586 px wide)."""
    server = Server(tmp_path / "room", "--teams", "KOR,USA")
    folder = shots(tmp_path)
    try:
        server.start()
        for lang in ("en", "ko"):
            for code in ("KOR", "USA"):
                context = browser.new_context(viewport={"width": 390, "height": 844})
                context.add_init_script(f"localStorage.setItem('classroom-lang', '{lang}')")
                page = context.new_page()
                page.goto(f"{server.url}?room={server.code}")
                page.click("#enter")
                page.click(f"#teams button[data-team={code}], #teams button[data-teammate={code}]")
                sync_api.expect(page.locator("#desk")).to_be_visible(timeout=WAIT)
                sync_api.expect(page.locator("#objective tr")).not_to_have_count(0, timeout=WAIT)
                fit = page.evaluate("""() => ({page: document.documentElement.scrollWidth, view: innerWidth,
                    outside: [...document.querySelectorAll('#desk *')].filter(e => {
                        const r = e.getBoundingClientRect(); return r.width > 0 && r.right > innerWidth + 0.5; })
                        .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)})""")
                page.screenshot(path=str(folder / f"student-phone-{code}-{lang}.png"), full_page=True)
                assert fit["page"] <= fit["view"] and not fit["outside"], (lang, code, fit)
                # Korean is set breaking between words ("일으키기", not "일으키" over "기")
                breaks = page.evaluate("getComputedStyle(document.body).wordBreak")
                assert breaks == ("keep-all" if lang == "ko" else "normal"), breaks
                context.close()
            # the teacher walking round the class with a phone: the dashboard (its message field is
            # size="60") no wider than the screen
            context = browser.new_context(viewport={"width": 390, "height": 844})
            context.add_init_script(f"localStorage.setItem('classroom-lang', '{lang}')")
            teacher = context.new_page()
            teacher.goto(server.url + "teacher")
            teacher.fill("#pin", server.pin)
            teacher.click("#sign-in")
            sync_api.expect(teacher.locator("#dash")).to_be_visible(timeout=WAIT)
            wide = teacher.evaluate("[document.documentElement.scrollWidth, innerWidth]")
            teacher.screenshot(path=str(folder / f"dashboard-phone-{lang}.png"), full_page=True)
            assert wide[0] <= wide[1], (lang, wide)
            context.close()
    finally:
        server.kill()
