"""What the repository says about itself holds: every "cal X" citation in the scenario files
resolves to an entry of docs/data.md, and the README's and docs' links point at files a clone has."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "assets" / "scenarios").glob("*.toml"))
DATA = ROOT / "docs" / "data.md"

# "cal 4f", "cal 7.12", "cal S5 / 4d" (two rows), "cal 2d costs" (a row and a word)
CITATION = re.compile(r"\bcal ((?:S\d+|\d+[a-z]?(?:\.\d+)?)(?:\s*/\s*(?:S\d+|\d+[a-z]?(?:\.\d+)?))*)\b")
ENTRY = re.compile(r"^#{2,4} cal (S\d+|\d+[a-z]?(?:\.\d+)?)\b|^- \*\*cal (S\d+|\d+[a-z]?(?:\.\d+)?)\*\*", re.M)


def citations(text: str) -> set[str]:
    found = set()
    for match in CITATION.finditer(text):
        found.update(part.strip() for part in match.group(1).split("/"))
    return found


def entries(text: str) -> set[str]:
    return {a or b for a, b in ENTRY.findall(text)}


def test_the_citation_pattern_reads_every_form_the_scenarios_use():
    assert citations("cal 4f: budget; cal 7.12), cal S5 / 4d: JASM; (cal 2d costs)") == {"4f", "7.12", "S5", "4d",
                                                                                       "2d"}
    assert citations("local currency; calibration; cal funds") == set()
    assert entries("### cal 1a: shares\n- **cal 7.3** yields\n#### cal S2 pledges\n") == {"1a", "7.3", "S2"}


def test_every_cal_citation_in_the_scenarios_resolves_to_an_entry_of_docs_data_md():
    documented = entries(DATA.read_text(encoding="utf-8"))
    cited: dict[str, list[str]] = {}
    for path in SCENARIOS:
        for ref in citations(path.read_text(encoding="utf-8")):
            cited.setdefault(ref, []).append(path.name)
    assert len(cited) > 20, "the scenarios cite the calibration rows as 'cal X'"
    missing = {ref: files for ref, files in sorted(cited.items()) if ref not in documented}
    assert not missing, f"cited in the scenarios but not in docs/data.md: {missing}"


def test_data_md_explains_the_status_tags():
    text = DATA.read_text(encoding="utf-8")
    for tag in ("**R**", "**R-w**", "**E**", "**CHOSEN**"):
        assert tag in text, tag


def test_the_readme_and_docs_link_only_to_files_a_clone_has():
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        assert "../shared" not in text, f"{doc.name} points outside the repository"
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # a web address
            assert (doc.parent / target).exists(), f"{doc.name}: broken link {target}"


# ---------------------------------------------------------------------- docs/design.md's layers

FRONT_ENDS = ("game.ui", "game.report", "game.tournament", "game.env", "game.web")
FRONT_END_LIBRARIES = ("pygame", "pygame_gui", "matplotlib", "gymnasium", "pettingzoo", "dask", "ray", "starlette",
                       "uvicorn", "segno")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, top_level_only: bool = False) -> set[str]:
    """Every module `path` imports (`from a import b` gives a and a.b), anywhere in the file or
    only at module level."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = {f"{node.module}.{alias.name}" for alias in node.names}
            found.update(names)
            if not any(is_module(n) for n in names):  # `from game.ui import report`: the module, not the package
                found.add(node.module)
    return found


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def within(name: str, packages) -> str | None:
    return next((p for p in packages if name == p or name.startswith(p + ".")), None)


MODULES = {module_name(p): p for p in [*ROOT.glob("game/**/*.py"), *ROOT.glob("agents/*.py")]}


def test_the_core_imports_no_front_end_and_no_front_end_library():
    core = [m for m in MODULES if not within(m, (*FRONT_ENDS, "game.cli"))]
    assert "game.model" in core and "game.saves" in core and "agents.base" in core
    for name in core:
        bad = {i for i in imports(MODULES[name]) if within(i, FRONT_ENDS + FRONT_END_LIBRARIES)}
        assert not bad, f"{name} imports {sorted(bad)}"


def test_each_heavy_library_is_imported_only_where_design_md_says():
    where = {"mesa": {"game.mesa_core"}}
    for name, path in MODULES.items():
        for lib in ("mesa", *FRONT_END_LIBRARIES):
            if any(within(i, (lib,)) for i in imports(path)):
                where.setdefault(lib, set()).add(name)
    assert where["mesa"] == {"game.mesa_core"}
    assert all(within(m, ("game.ui",)) for m in where["pygame"] | where["pygame_gui"])
    assert where["matplotlib"] <= {"game.report.charts", "game.tournament.plots"}
    assert where.get("gymnasium", set()) | where.get("pettingzoo", set()) <= {"game.env"}
    assert where.get("dask", set()) | where.get("ray", set()) <= {"game.tournament.backends"}
    web = where.get("starlette", set()) | where.get("uvicorn", set()) | where.get("segno", set())
    assert web and all(within(m, ("game.web",)) for m in web), web


def test_agents_never_import_the_model_or_a_front_end():
    for name, path in MODULES.items():
        if within(name, ("agents",)):
            bad = {i for i in imports(path) if within(i, ("game.model", *FRONT_ENDS))}
            assert not bad, f"{name} imports {sorted(bad)}"


def test_front_ends_import_one_another_only_where_design_md_says():
    crossing = set()
    for name, path in MODULES.items():
        mine = within(name, FRONT_ENDS)
        if mine is None:
            continue
        for target in imports(path):
            theirs = within(target, FRONT_ENDS)
            if theirs is not None and theirs != mine:
                module = next(m for m in sorted(MODULES, key=len, reverse=True) if within(target, (m,)))
                crossing.add((name, module))
    assert crossing == {("game.report.debrief", "game.ui.report"), ("game.ui.exporter", "game.report.debrief"),
                        ("game.ui.exporter", "game.report.onepage"), ("game.tournament.strategies", "game.env"),
                        ("game.web.app", "game.report.debrief"), ("game.web.app", "game.report.onepage")}


def test_the_web_front_end_loads_the_debrief_only_when_it_is_asked_for():
    """game/web/app.py writes the end-of-term debrief with game.report (matplotlib) inside the
    request that asks for it, so a classroom server starts without matplotlib."""
    eager = {i for i in imports(MODULES["game.web.app"], top_level_only=True) if within(i, ("game.report",))}
    assert not eager


def test_the_command_line_loads_front_ends_only_inside_the_command_that_needs_them():
    for path in (ROOT / "main.py", ROOT / "game" / "cli.py"):
        eager = {i for i in imports(path, top_level_only=True) if within(i, FRONT_ENDS + FRONT_END_LIBRARIES)}
        assert not eager, f"{path.name} imports {sorted(eager)} at module level"


def test_the_link_weight_comment_states_the_price_gap_the_parameters_give():
    """The scenario says what an established component relationship is worth as a price gap; that
    figure must be the one the component choice gives (u = -w_s log price + link_weight * link):
    equal shares when the linked supplier is exp(link_weight / w_s) times dearer."""
    text = (ROOT / "assets" / "scenarios" / "baseline.toml").read_text(encoding="utf-8")
    values = {k: float(v) for k, v in re.findall(r"^(link_weight|supplier_cost_weight) = ([\d.]+)", text, re.M)}
    stated = re.search(r"^link_weight = [\d.]+\s+#.*?~(\d+)% price gap", text, re.M)
    assert stated, "link_weight's comment no longer states a price gap"
    implied = 100 * (math.exp(values["link_weight"] / values["supplier_cost_weight"]) - 1)
    assert abs(float(stated.group(1)) - implied) <= 5, (stated.group(0), implied)


def test_the_squarem_citation_names_the_blp_paper():
    """game/market.py's fit cites the paper that applied SQUAREM to BLP by its authors and title."""
    doc = ast.get_docstring(next(n for n in ast.parse((ROOT / "game" / "market.py").read_text(encoding="utf-8")).body
                                 if isinstance(n, ast.FunctionDef) and n.name == "fit_constants"))
    flat = " ".join(doc.split())
    assert "Reynaerts, Varadhan & Nash (2012)" in flat
    assert "Enhancing the convergence properties of the BLP (1995) contraction mapping" in flat
    assert "Reynaert & Verboven" not in flat
