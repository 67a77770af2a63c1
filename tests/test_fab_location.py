"""Fab location (docs/model.md, "Fab location"): a foundry with sites abroad splits a new project
over home and its sites by the capital cost there net of the host state's standing support; each
part is paid, supported and built where it stands; outages strike the home country's fabs; the
leading-edge capacity indicator counts capacity where it stands; a broken site in a scenario is
refused with a message naming it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.actions import CapacitySupport
from game.model import World
from game.scenario import ScenarioError, load_scenario, parse_scenario
from tests.test_scenario import BASELINE_TEXT, REPO, SOURCE, edited, refusal

ARIZONA_N5 = "abroad = { USA = 30.0 }"
TAYLOR = 'sites = [{ country = "USA", nodes = ["2nm"], capex_premium = 1.0, lead_time = 13 }]'


def world(seed: int = 0) -> World:
    return World(load_scenario("baseline"), seed=seed)


def tsmc_parts(w: World, line: str = "3nm") -> list:
    tsmc = w.by_name["TSMC"]
    return tsmc.site_parts(line, w.countries["TWN"], {})


# ------------------------------------------------------------------------------ where it builds


def test_a_project_splits_over_home_and_the_sites_hosting_its_line():
    """TSMC's 3 nm project goes mostly home and part to Arizona (the sites hosting 3 nm); its 7 nm
    one part to Kumamoto; its shares sum to one; a line no site hosts is home only (None)."""
    w = world()
    parts = tsmc_parts(w, "3nm")
    assert [p[0] for p in parts] == [None, "USA"]
    assert sum(p[1] for p in parts) == pytest.approx(1.0)
    home, arizona = parts[0][1], parts[1][1]
    assert 0.5 < home < 1 and 0 < arizona < 0.5
    assert [p[0] for p in tsmc_parts(w, "7nm")] == [None, "JPN"]
    intel = w.by_name["Intel Foundry"]
    assert intel.site_parts("3nm", w.countries["USA"], {}) is None


def test_more_support_abroad_draws_more_of_the_project_there():
    """The site's share rises with its host's standing support rate and falls once the host's
    allowance for the quarter is spent (its rate is then 0)."""
    w = world()
    usa = w.countries["USA"]
    shares = []
    for rate in (0.0, 0.15, 0.3, 0.5):
        usa.capex_support = rate
        shares.append(tsmc_parts(w)[1][1])
    assert shares == sorted(shares) and shares[0] < shares[-1]
    usa.capex_support = 0.3
    with_allowance = tsmc_parts(w, "3nm")[1][1]
    gone = w.by_name["TSMC"].site_parts("3nm", w.countries["TWN"], {"USA": 0.0})  # the US allowance spent
    assert gone[1][4] == 0.0 and gone[1][1] < with_allowance


def test_an_allowance_reserved_to_the_last_dollar_is_spent_whatever_rounding_leaves():
    """Earlier lines reserve a host's allowance to the last dollar; the subtraction leaves +-1e-16
    of it, and on one machine or another that must not cost the next site at the full rate (the
    site's share, and so the game, once hung on that last bit: a save replayed with exp and log one
    ulp off diverged). Less than a dollar left is spent; a dollar or more still counts."""
    w = world()
    tsmc, taiwan = w.by_name["TSMC"], w.countries["TWN"]
    rate = w.countries["USA"].capex_support
    spent = [tsmc.site_parts("3nm", taiwan, {"USA": left})[1] for left in (0.0, 1e-16, -1e-16, 5e-10)]
    assert all(part[4] == 0.0 for part in spent) and len({part[1] for part in spent}) == 1
    assert tsmc.site_parts("3nm", taiwan, {"USA": 1e-6})[1][4] == rate > 0


@settings(max_examples=60, deadline=None)
@given(home_rate=st.floats(0, 0.9), host_rate=st.floats(0, 0.9), premium=st.floats(0, 3),
       weight=st.floats(0, 8), bias=st.floats(0, 4))
def test_site_shares_are_a_distribution_and_monotone_in_cost(home_rate, host_rate, premium, weight, bias):
    w = world()
    w.params = w.params.model_copy(update={"site_cost_weight": weight, "site_home_bias": bias})
    tsmc = w.by_name["TSMC"]
    tsmc.sites = {"USA": tsmc.sites["USA"].model_copy(update={"capex_premium": premium})}
    w.countries["TWN"].capex_support, w.countries["USA"].capex_support = home_rate, host_rate
    parts = tsmc.site_parts("3nm", w.countries["TWN"], {})
    shares = [p[1] for p in parts]
    assert all(0 <= s <= 1 for s in shares) and sum(shares) == pytest.approx(1.0)
    tsmc.sites = {"USA": tsmc.sites["USA"].model_copy(update={"capex_premium": premium + 0.5})}
    dearer = tsmc.site_parts("3nm", w.countries["TWN"], {})
    assert dearer[1][1] <= shares[1] + 1e-12  # a dearer site never gets more


# ------------------------------------------------------------------------------ money and capacity


def _investing_quarter(w: World):
    """Step until TSMC starts a project with a part abroad; returns the quarter's new projects."""
    tsmc = w.by_name["TSMC"]
    for _ in range(20):
        before = [list(p) for p in tsmc.pipeline]
        w.step()
        new = [p for p in tsmc.pipeline if p not in before]
        if any(p[3] is not None for p in new) and any(p[3] is None for p in new):
            return new
    pytest.fail("TSMC never split a project over home and a site in 20 quarters")


def test_a_part_abroad_arrives_after_the_sites_lead_time_and_is_paid_with_the_hosts_support():
    """A project's part abroad is on line after the site's lead time (Arizona: 13 quarters, cal
    2d), the home part after the foundry's own (7); the US pays its standing support on the part
    in Arizona; the firm's instalments are what is left of the parts' cost (money conserved)."""
    w = world()
    tsmc, usa = w.by_name["TSMC"], w.countries["USA"]
    paid_before = usa.support_paid_usd
    payments_before = [list(p) for p in tsmc.payments]
    new = _investing_quarter(w)
    now = w.now
    for ready, _, line, site in new:
        lead = tsmc.sites[site].lead_time if site else tsmc.lead_time
        assert ready == now + lead, (line, site)
    assert usa.support_paid_usd > paid_before
    added = [p for p in tsmc.payments if p not in payments_before]  # one instalment paid this quarter
    assert {p[0] for p in added} >= {tsmc.lead_time - 1, 13 - 1}


def test_a_projects_bill_is_its_parts_cost_less_each_hosts_support():
    """The instalments a quarter's projects add equal the capex of their parts at each site's
    premium less what each host's standing programme paid, and nothing else (money conserved)."""
    w = world()
    tsmc = w.by_name["TSMC"]
    for _ in range(2):
        w.step()
    hosts = [w.countries[c] for c in ("TWN", "USA", "JPN")]
    tsmc.payments, tsmc.pipeline = [], []
    support_before = [h.support_paid_usd for h in hosts]
    tsmc.invest(w.params, w.countries["TWN"], w.now)
    cost = 0.0
    for _, size, _, site in tsmc.pipeline:
        premium = tsmc.sites[site].capex_premium if site else 0.0
        cost += size * tsmc.capex_per_unit * (1 + premium)
    support = sum(h.support_paid_usd - before for h, before in zip(hosts, support_before, strict=True))
    owed = sum(left * pay for left, pay in tsmc.payments)
    assert cost > 0 and any(site for *_, site in tsmc.pipeline)
    assert owed == pytest.approx(cost - support, rel=1e-9)


def test_korean_capacity_support_pays_for_the_home_part_only():
    """The capacity-support lever is a home programme: what it commits for Samsung's projects never
    exceeds its rate on the capex of the parts built in Korea (Taylor's part gets none of it)."""
    w = world()
    samsung, korea = w.by_name["Samsung Foundry"], w.countries["KOR"]
    korea.policy.capacity_support["Samsung Foundry"] = 0.5
    for _ in range(20):
        before = [list(p) for p in samsung.pipeline]
        commitments = len(korea.commitments)
        w.step()
        new = [p for p in samsung.pipeline if p not in before]
        if any(site == "USA" for *_, site in new):
            break
    else:
        pytest.fail("Samsung never built in Taylor in 20 quarters")
    home = sum(size for _, size, _, site in new if site is None)
    committed = sum(quarters * pay for quarters, pay, firm in korea.commitments[commitments:] if firm is samsung)
    assert committed > 0, "the lever supported the extra capacity at home"
    assert korea.to_usd_billion(committed) <= 0.5 * samsung.capex_per_unit * home * (1 + 1e-9)


def test_an_outage_strikes_home_fabs_and_the_indicator_counts_capacity_where_it_stands():
    """TSMC's Arizona lines count to the USA's leading-edge capacity share, the shares over
    countries sum to one, and the USA's share is above Intel's own."""
    w = world()
    w.step()
    shares = {c: i["leading_edge_capacity_share"] for c, i in w.indicators.items()}
    assert sum(shares.values()) == pytest.approx(1.0)
    total = sum(f.capacity for f in w.foundries)
    intel = w.by_name["Intel Foundry"].capacity / total
    assert shares["USA"] == pytest.approx(intel + 30.0 / total)
    assert shares["TWN"] == pytest.approx((w.by_name["TSMC"].capacity - 30.0) / total)


def test_the_pipelines_lines_abroad_come_on_line_at_their_sites():
    """Samsung's Taylor line (2026Q4) and JASM's second fab (2027Q4) are counted where they stand."""
    w = world()
    while w.date != "2028Q1":
        w.step()
    assert w.by_name["Samsung Foundry"].located["USA"] >= 30.0
    assert w.by_name["TSMC"].located["JPN"] >= 45.0
    assert w.indicators["JPN"]["leading_edge_capacity_share"] > w.by_name["Rapidus"].capacity / sum(
        f.capacity for f in w.foundries)


# ------------------------------------------------------------------------------ bad scenarios


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (TAYLOR, TAYLOR.replace('"USA"', '"KOR"'), "KOR is the foundry's home country"),
        (TAYLOR, TAYLOR[:-1] + ', { country = "XYZ", nodes = ["2nm"], capex_premium = 1.0, lead_time = 13 }]',
         "unknown country XYZ"),
        (TAYLOR, TAYLOR.replace('["2nm"]', '["1nm"]'), "has no 1nm process"),
        (ARIZONA_N5, "abroad = { USA = 700.0 }", "more capacity abroad than the process has"),
        (ARIZONA_N5, "abroad = { JPN = 30.0 }", "JPN is not a site of this foundry that hosts 5nm"),
        ('{ amount = 30.0, ready = "2026Q4", site = "USA" }', '{ amount = 30.0, ready = "2026Q4", site = "JPN" }',
         "JPN is not a site of this foundry that hosts 2nm"),
        ('{ amount = 30.0, ready = "2026Q4", site = "USA" }',
         '{ amount = 30.0, ready = "2026Q4", site = "USA", to_pay = 1.0 }', "is built at home: no site"),
        (TAYLOR, TAYLOR.replace("capex_premium = 1.0", "capex_premium = -1.0"), "capex_premium"),
        ("site_cost_weight = 3.0", "", "needs site_cost_weight"),
    ],
)
def test_a_broken_site_is_refused_and_named(old, new, expected):
    assert expected in refusal(edited(old, new))


def test_the_cli_refuses_a_broken_site_without_traceback(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text(edited(ARIZONA_N5, "abroad = { USA = 700.0 }"), encoding="utf-8")
    result = subprocess.run([sys.executable, "main.py", "sim", "--scenario", str(broken)],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "more capacity abroad" in result.stderr


def test_the_baseline_reads():
    scenario = parse_scenario(BASELINE_TEXT, SOURCE)
    tsmc = next(f for f in scenario.foundries if f.name == "TSMC")
    assert {s.country for s in tsmc.sites} == {"USA", "JPN"}
    with pytest.raises(ScenarioError):
        parse_scenario(BASELINE_TEXT.replace(TAYLOR, TAYLOR.replace("lead_time = 13", "lead_time = 0")), SOURCE)


# ------------------------------------------------------------------------------ a host's own lever


def _us_pipeline_after(rate: float, quarters: int = 4):
    w = World(load_scenario("baseline"), seed=0)
    w.open_quarter()
    if rate:
        [verdict] = w.governance.submit("USA", [CapacitySupport(firm="TSMC", rate=rate)])
        assert verdict.accepted, verdict.reason
    for _ in range(quarters):
        w.step()
        w.open_quarter()
    tsmc = w.by_name["TSMC"]
    planned = w.scenario.foundries[0].nodes  # the scenario's own Arizona line is not a new project
    scheduled = {(p.amount, p.site) for n in planned for p in n.pipeline}
    arizona = sum(size for _, size, _, site in tsmc.pipeline if site == "USA" and (size, site) not in scheduled)
    owed = sum(q * pay for q, pay, firm in w.countries["USA"].commitments if firm is tsmc)
    return arizona, owed


def test_a_host_may_support_a_foreign_foundrys_lines_on_its_soil_and_draws_its_projects():
    """The USA's capacity support for TSMC (the CHIPS award's kind) is accepted, pays its rate on
    the parts built in Arizona (commitments from the US budget) and draws more of TSMC's new
    projects there than without it; a foreign foundry with no site in the country is refused."""
    plain, nothing_owed = _us_pipeline_after(0.0)
    drawn, owed = _us_pipeline_after(0.3)
    assert nothing_owed == 0 and owed > 0
    assert drawn > plain * 1.2
    w = World(load_scenario("baseline"), seed=0)
    w.open_quarter()
    [smic] = w.governance.submit("USA", [CapacitySupport(firm="SMIC", rate=0.3)])
    assert not smic.accepted and "not a" in smic.reason


def test_the_desk_offers_a_host_its_foreign_foundrys_lines_there(tmp_path):
    """A US team's desk offers capacity support for TSMC's and Samsung's lines in the US, named
    as such in both languages, and not for a foundry with no US site."""
    from game.desk_levers import lever_sections, read_settings
    from game.session import Session

    session = Session(humans=("USA",), saves_dir=tmp_path, autosave=False)
    view = session.view("USA")
    settings = read_settings(view)
    assert {"TSMC", "Samsung Foundry", "Intel Foundry"} <= set(settings.producers)
    assert "SMIC" not in settings.producers
    for lang, label in (("en", "TSMC (its fabs here)"), ("ko", "TSMC (국내 팹)")):
        sections = dict(lever_sections(view, settings, lang))
        labels = [lever.label for lever in sections["lever.capacity_support"]]
        assert label in labels and ("Intel Foundry" in labels or "인텔 파운드리" in labels)
    session.close()


def test_the_learning_environments_capacity_support_reaches_the_foundries_a_country_hosts():
    """The USA's observation lists the foreign foundries with a site in the US, and the env's
    capacity-support choice supports their lines there as well as Intel's and Micron's; Korea's
    has none to host."""
    from game.env import _choice_actions

    w = World(load_scenario("baseline"), seed=0)
    w.open_quarter()
    usa = w.governance.observe("USA")
    assert sorted(usa.hosted_foundries) == ["Samsung Foundry", "TSMC"]
    firms = {a.firm for a in _choice_actions("capacity_support", 1, usa, True)}
    assert {"TSMC", "Samsung Foundry", "Intel Foundry", "Micron"} <= firms
    assert all(v.accepted for v in w.governance.submit("USA", _choice_actions("capacity_support", 1, usa, True)))
    assert w.governance.observe("KOR").hosted_foundries == []


def test_the_lever_preview_says_a_hosts_support_is_for_the_lines_built_here():
    from game.lever_preview import lines, preview

    w = World(load_scenario("baseline"), seed=0)
    w.open_quarter()
    action = CapacitySupport(firm="TSMC", rate=0.2)
    p = preview(w, "USA", "capacity_support:TSMC", [action])
    for lang, text in (("en", "For its lines built here only"), ("ko", "국내에 짓는 라인만 지원합니다")):
        said = [t for t, _ in lines(w, "USA", p, lang)]
        assert any(text in t and "13" in t for t in said), said
    home = preview(w, "USA", "capacity_support:Intel Foundry", [CapacitySupport(firm="Intel Foundry", rate=0.2)])
    assert not any("here only" in t for t, _ in lines(w, "USA", home, "en"))


def test_a_foundrys_map_tooltip_shows_its_lines_abroad(monkeypatch):
    """Hovering TSMC on the map says how much of its capacity stands abroad, and where, in both
    languages (Korean in its own units)."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    from game.session import Session
    from tests.uitools import running_app

    session = Session(saves_dir="unused", autosave=False)
    for _ in range(12):
        session.world.step()
    expectations = (("en", "Of which abroad: Japan 45 k wafers/qtr"), ("ko", "그중 해외: 일본 4만 5,000장/분기"))
    for lang, expected in expectations:
        with running_app(session, lang) as app:
            app.frame()
            tsmc = next(m for m in app.map.markers if m.name == "TSMC")
            intel = next(m for m in app.map.markers if m.name == "Intel Foundry")
            assert any(line.startswith(expected) for line in app.map.tooltip_lines(tsmc))
            assert not any("abroad" in line or "해외" in line for line in app.map.tooltip_lines(intel))
    session.close()


def test_a_hosts_standing_support_draws_projects_to_its_soil():
    """The CHIPS Act's standing support (the USA's `capex_support`) draws TSMC's new projects to
    Arizona: with it withdrawn, TSMC starts less there in its first quarters, on the same seed."""
    def arizona(rate: float) -> float:
        w = World(load_scenario("baseline"), seed=0)
        w.countries["USA"].capex_support = rate
        planned = [list(p) for p in w.by_name["TSMC"].pipeline]  # the scenario's (Arizona's N3 line)
        for _ in range(4):
            w.step()
        return sum(p[1] for p in w.by_name["TSMC"].pipeline if p[3] == "USA" and p not in planned)

    assert arizona(0.3) > 1.5 * arizona(0.0) > 0


def test_the_classroom_maps_data_carries_a_foundrys_lines_abroad():
    """The projector's and students' map (game.mapdata.map_view) says the same as the desktop
    tooltip: TSMC's lines abroad in each language; a foundry all at home says nothing."""
    from game.mapdata import map_view

    w = World(load_scenario("baseline"), seed=0)
    for _ in range(12):
        w.step()
    expectations = (("en", "Of which abroad: Japan 45 k wafers/qtr"), ("ko", "그중 해외: 일본 4만 5,000장/분기"))
    for lang, expected in expectations:
        firms = {f["name"]: f for f in map_view(w, lang)["firms"]}
        tsmc = firms["TSMC"]
        assert tsmc["abroad"].startswith(expected)
        assert firms["SMIC"]["abroad"] is None


def test_the_country_panel_lists_the_fabs_standing_in_the_country_foreign_owned_ones_named():
    """Click the USA on the map: Intel's lines, and TSMC's and Samsung's marked as foreign firms',
    with their units, in both languages; Taiwan's lists TSMC's lines at home only."""
    from game.ui.countrypanel import country_lines, fab_lines

    w = World(load_scenario("baseline"), seed=0)
    while w.date != "2027Q1":
        w.step()
    us_en, us_ko = fab_lines(w, "USA", "en"), fab_lines(w, "USA", "ko")
    assert "TSMC: 30 k wafers/qtr (a firm based in Taiwan)" in us_en
    assert "Samsung Foundry: 30 k wafers/qtr (a firm based in Korea)" in us_en
    assert any(line.startswith("Intel Foundry: ") and "based" not in line for line in us_en)
    assert "TSMC: 3만장/분기 (대만 기업)" in us_ko and "삼성 파운드리: 3만장/분기 (한국 기업)" in us_ko
    tsmc = w.by_name["TSMC"]
    assert fab_lines(w, "TWN", "en") == [f"TSMC: {tsmc.located['TWN']:,.0f} k wafers/qtr"]
    assert ("head", "Leading-edge fabs here") in country_lines(w, "USA", "en")
    assert ("head", "이 나라의 첨단 공정 팹") in country_lines(w, "USA", "ko")


def test_a_foreign_foundrys_fabs_are_a_hollow_marker_in_the_host_country_in_both_front_ends(monkeypatch):
    """The map marks where fabs stand: TSMC's and Samsung's US fabs as markers of their own in the
    USA, in a row under the USA's own firms (whose places do not move), sized by the capacity
    standing there; their tooltip says whose and how much, in both languages; the classroom's map
    data carries the same markers and lines; on the desktop, hovering one shows its tooltip and
    clicking it opens the host's panel (its list of the fabs standing there)."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    import pygame

    from game.mapdata import layout_markers, layout_sites, load_geometry, map_view
    from game.session import Session
    from tests.uitools import post, running_app

    session = Session(saves_dir="unused", autosave=False)
    w = session.world
    while w.date != "2027Q1":
        w.step()
    geometry = load_geometry()
    sites = {(m.name, m.country): m for m in layout_sites(w, geometry)}
    assert set(sites) == {("TSMC", "USA"), ("Samsung Foundry", "USA")} and all(m.site for m in sites.values())
    home = [m for m in layout_markers(w, geometry) if m.country == "USA"]
    assert all(m.pos[1] > max(h.pos[1] for h in home) for m in sites.values()), "a row under the host's own firms"
    assert all(not m.site for m in layout_markers(w, geometry)), "the home markers are the firms, as before"
    total = sum(f.capacity for f in w.foundries)
    assert sites["TSMC", "USA"].radius == round(5 + 11 * (w.by_name["TSMC"].located["USA"] / total) ** 0.5)
    view = {(s["firm"], s["country"]): s for s in map_view(w, "en", geometry)["sites"]}
    assert {k: (v["x"], v["y"], v["r"]) for k, v in view.items()} == \
        {k: (*m.pos, m.radius) for k, m in sites.items()}, "the browser draws them where the desktop does"
    assert view["TSMC", "USA"]["lines"] == ["TSMC (Taiwan)", "Its fabs abroad (United States)",
                                            "Capacity here: 30 k wafers/qtr",
                                            f"All its fabs: {w.by_name['TSMC'].capacity:,.0f} k wafers/qtr",
                                            "Counts towards this country's leading-edge capacity"]
    korean = {(s["firm"], s["country"]): s for s in map_view(w, "ko", geometry)["sites"]}
    assert korean["Samsung Foundry", "USA"]["lines"][:3] == ["삼성 파운드리 (한국)", "미국 현지 팹",
                                                             "현지 생산능력: 3만장/분기"]
    with running_app(session, "en") as app:
        app.frame()
        site = next(m for m in app.map.sites if m.name == "TSMC")
        post(pygame.MOUSEMOTION, pos=site.pos, rel=(0, 0), buttons=(0, 0, 0))
        app.frame()
        assert app.map.hover is site and app.map.tooltip_lines(site)[1] == "Its fabs abroad (United States)"
        assert "fab_abroad" in [term for _, term in app.map.legend_terms], "the legend's row, with its glossary card"
        post(pygame.MOUSEBUTTONDOWN, pos=site.pos, button=1)
        post(pygame.MOUSEBUTTONUP, pos=site.pos, button=1)
        app.frame()
        assert (app.country_panel, app.detail) == ("USA", None)
    session.close()


def test_a_host_never_pays_more_standing_support_than_its_allowance_left():
    """With the USA's allowance nearly spent, TSMC's part in Arizona gets only what is left (the
    project is sized with that share), and the firm's bill carries the rest: money conserved."""
    w = World(load_scenario("baseline"), seed=0)
    for _ in range(2):
        w.step()
    usa, tsmc = w.countries["USA"], w.by_name["TSMC"]
    usa.support_left_usd = 0.01
    paid_before, payments_before = usa.support_paid_usd, len(tsmc.payments)
    tsmc.pipeline = []
    tsmc.invest(w.params, w.countries["TWN"], w.now)
    assert any(site == "USA" for *_, site in tsmc.pipeline), "a part still goes to Arizona"
    assert usa.support_paid_usd - paid_before == pytest.approx(0.01)
    assert usa.support_left_usd == pytest.approx(0.0, abs=1e-12)
    assert len(tsmc.payments) > payments_before
