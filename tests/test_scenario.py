"""Scenario files (game/scenario.py): the baseline world is what the design promises, and a
broken file is refused with a message naming the file, the field and the problem, so a typo
never becomes a silently different world.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.scenario import SCENARIO_DIR, ScenarioError, load_scenario, parse_scenario

REPO = Path(__file__).resolve().parent.parent
BASELINE = SCENARIO_DIR / "baseline.toml"
BASELINE_TEXT = BASELINE.read_text(encoding="utf-8")
SOURCE = "somewhere/broken.toml"


def edited(old: str, new: str) -> str:
    """The baseline text with one exact, unique snippet replaced (as a user would edit it)."""
    assert BASELINE_TEXT.count(old) == 1, f"{old!r} must occur exactly once in baseline.toml"
    return BASELINE_TEXT.replace(old, new)


def refusal(text: str) -> str:
    """The ScenarioError message for `text`, which must be refused."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, SOURCE)
    message = str(info.value)
    assert message.startswith(SOURCE), "the message must name the file"
    return message


def to_toml(data: dict) -> str:
    """A tiny TOML writer: one `key = value` line per top-level key, tables written inline.

    JSON string escapes are valid TOML basic-string escapes, so json.dumps quotes strings and keys.
    """

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            if math.isnan(v):
                return "nan"
            if math.isinf(v):
                return "inf" if v > 0 else "-inf"
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {value(x)}" for k, x in v.items()) + "}"
        raise TypeError(f"cannot write {type(v).__name__} as TOML")

    return "\n".join(f"{json.dumps(k, ensure_ascii=False)} = {value(v)}" for k, v in data.items()) + "\n"


def baseline_data() -> dict:
    return tomllib.loads(BASELINE_TEXT)


# ---------------------------------------------------------------------------- the baseline


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


def test_baseline_has_the_promised_countries(baseline):
    """The campaign covers Korea and the six other players of the chip race."""
    ids = {c.id for c in baseline.countries}
    assert len(ids) >= 7
    assert {"KOR", "USA", "CHN", "TWN", "JPN", "EU", "GCC"} <= ids


def test_baseline_has_the_promised_firms(baseline):
    """Every foundry, HBM maker and designer the design names is in the baseline."""
    assert {"TSMC", "Samsung Foundry", "Intel Foundry", "SMIC", "Rapidus"} <= {f.name for f in baseline.foundries}
    assert {"SK hynix", "Samsung", "Micron", "CXMT"} <= {m.name for m in baseline.hbm_makers}
    designers = {d.name for d in baseline.designers}
    assert {"Nvidia", "AMD", "Google TPU", "Huawei", "Rebellions", "FuriosaAI"} <= designers


def test_baseline_calendar(baseline):
    """One government term: 20 quarters from 2025Q1."""
    assert baseline.scenario.name == "baseline"
    assert baseline.scenario.start == "2025Q1"
    assert baseline.scenario.turns == 20


def test_load_by_path_equals_load_by_name(tmp_path, baseline):
    """A scenario given as a .toml path loads the same world as the installed name."""
    copy = tmp_path / "copy.toml"
    copy.write_text(BASELINE_TEXT, encoding="utf-8")
    assert load_scenario(str(copy)) == baseline


def test_toml_writer_round_trips_the_baseline():
    """The helper used by the broken-file tests writes back exactly what it read."""
    data = baseline_data()
    assert tomllib.loads(to_toml(data)) == data
    assert parse_scenario(to_toml(data), SOURCE) == load_scenario("baseline")


# ---------------------------------------------------------------------------- broken files


def test_missing_required_field_is_named():
    data = baseline_data()
    del data["hbm_makers"][0]["price"]
    message = refusal(to_toml(data))
    assert "hbm_makers[0] (SK hynix).price: required field is missing" in message


def test_misspelt_field_is_named():
    """`capacty` must not silently fall back to a default: it is refused as unknown."""
    message = refusal(edited("capacity = 92.0", "capacty = 92.0"))
    assert "hbm_makers[0] (SK hynix).capacty: unknown field (misspelt?)" in message
    assert "hbm_makers[0] (SK hynix).capacity: required field is missing" in message


def test_negative_capacity_is_refused():
    message = refusal(edited("capacity = 92.0", "capacity = -92.0"))
    assert "hbm_makers[0] (SK hynix).capacity" in message
    assert "greater than or equal to 0" in message


def test_yield_above_one_is_refused():
    message = refusal(edited("yield0 = 0.95, yield_max = 0.96, volume0 = 20000.0", "yield0 = 1.2, yield_max = 0.96, "
                             "volume0 = 20000.0"))
    assert "foundries[0] (TSMC).nodes[0].yield0" in message
    assert "less than 1" in message


def test_a_yield_curve_that_starts_above_its_end_is_refused():
    """A process's yield0 above its yield_max (learning would lower the yield) names the process."""
    message = refusal(edited("yield0 = 0.95, yield_max = 0.96, volume0 = 20000.0", "yield0 = 0.95, yield_max = 0.9, "
                             "volume0 = 20000.0"))
    assert "foundries[0] (TSMC).nodes[0]" in message
    assert "yield0 must not exceed yield_max" in message


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_non_finite_numbers_are_refused(bad):
    """TOML allows nan and inf; the game must not."""
    message = refusal(edited("capacity = 92.0", f"capacity = {bad}"))
    assert "hbm_makers[0] (SK hynix).capacity" in message
    assert "finite" in message


def test_unknown_hbm_supplier_is_named():
    """A designer buying HBM from a maker that does not exist (a typo) is refused."""
    message = refusal(edited('hbm_suppliers = ["SK hynix", "Micron", "Samsung"]',
                             'hbm_suppliers = ["SK hynix", "Micron", "Hynics"]'))
    assert "Nvidia.hbm_suppliers" in message
    assert "unknown hbm maker Hynics" in message


def test_name_shared_across_kinds_is_refused():
    """A packager called like an HBM maker would make references ambiguous."""
    data = baseline_data()
    data["packagers"][2]["name"] = "Samsung"  # was "Samsung AVP"
    message = refusal(to_toml(data))
    assert "firm names must be unique" in message
    assert "Samsung" in message


def test_duplicated_foundry_name_is_refused():
    """Two foundries called TSMC: the game would silently trade with only one of them."""
    message = refusal(edited('name = "Rapidus"', 'name = "TSMC"'))
    assert "firm names must be unique" in message
    assert "TSMC" in message


def test_invalid_toml_syntax_is_refused():
    """The TOML parser's own message is kept, with the line of the mistake."""
    message = refusal(edited("[params]", "[params"))
    line = BASELINE_TEXT[: BASELINE_TEXT.index("[params]")].count("\n") + 1
    assert "not valid TOML" in message
    assert f"line {line}" in message


def test_newer_format_version_is_refused():
    """A file written for a later version of the game is not half-read."""
    message = refusal(edited("format_version = 1", "format_version = 2"))
    assert "scenario.format_version" in message
    assert "newer than this game reads (1)" in message


def test_unknown_scenario_name_lists_the_installed_ones():
    with pytest.raises(ScenarioError) as info:
        load_scenario("no_such_world")
    message = str(info.value)
    assert "no_such_world.toml: no such scenario" in message
    assert "installed: baseline" in message


# ---------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("capacity = 92.0", "capacity = -92.0", "hbm_makers[0] (SK hynix).capacity"),
        ("capacity = 92.0", "capacty = 92.0", "capacty: unknown field"),
        ("[params]", "[params", "not valid TOML"),
    ],
)
def test_cli_refuses_broken_scenario_without_traceback(tmp_path, old, new, expected):
    """`main.py sim --scenario broken.toml` ends with exit code 2 and a one-paragraph message."""
    broken = tmp_path / "broken.toml"
    broken.write_text(edited(old, new), encoding="utf-8")
    result = subprocess.run([sys.executable, "main.py", "sim", "--scenario", str(broken)],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(broken) in result.stderr
    assert expected in result.stderr
    assert result.stdout == ""


# ---------------------------------------------------------------------------- property


def _numeric_fields() -> list[tuple[str, int, str]]:
    """(section, index, field) for every firm of the kinds below, fields that must be >= 0 or > 0."""
    data = baseline_data()
    fields = {"foundries": ("capex_per_unit", "fixed_cost"),
              "hbm_makers": ("capacity", "price", "unit_cost"),
              "packagers": ("capacity", "price"),
              "buyers": ("budget", "installed"),
              "designers": ("units0", "fixed_cost")}
    return [(section, i, name) for section, names in fields.items()
            for i in range(len(data[section])) for name in names]


negative = st.one_of(st.floats(min_value=-1e300, max_value=-1e-300), st.integers(max_value=-1))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_numeric_fields()), negative)
def test_any_negative_quantity_is_refused_and_named(field, value):
    """Whichever capacity, price or budget a user sets negative, the message points at it."""
    section, index, name = field
    data = baseline_data()
    label = data[section][index]["name"]
    data[section][index][name] = value
    message = refusal(to_toml(data))
    assert f"{section}[{index}] ({label}).{name}: Input should be greater than" in message


# ---------------------------------------------------------------------------- extends

def test_a_lesson_is_the_baseline_with_only_its_listed_changes():
    base, lesson = load_scenario("baseline"), load_scenario("lesson_priming_water")
    assert "extends = \"baseline\"" in (SCENARIO_DIR / "lesson_priming_water.toml").read_text(encoding="utf-8")
    assert lesson.scenario.turns == 8 and lesson.scenario.name == "lesson_priming_water"
    samsung = {f.name: f for f in lesson.foundries}["Samsung Foundry"]
    base_samsung = {f.name: f for f in base.foundries}["Samsung Foundry"]
    assert {n.process: n.available for n in samsung.nodes}["SF2"] == "2025Q1", "a node merged by its process"
    assert [n.process for n in samsung.nodes] == [n.process for n in base_samsung.nodes], "the other nodes kept"
    assert samsung.mature_revenue == {f.name: f for f in base.foundries}["Samsung Foundry"].mature_revenue, "kept"
    rebel = {d.name: d for d in lesson.designers}["Rebellions"]
    assert [g.launch for g in rebel.roadmap if g.name == "REBEL Quad"] == ["2025Q2"]
    assert len(rebel.roadmap) == len({d.name: d for d in base.designers}["Rebellions"].roadmap)
    assert lesson.buyers == base.buyers and lesson.countries == base.countries and lesson.lesson is not None
    outage = load_scenario("lesson_bottlenecks").events
    assert [e.id for e in outage][:-1] == [e.id for e in base.events], "a new event comes after the baseline's"
    assert outage[-1].id == "lesson_hbm_line_outage"


def test_merged_lays_changes_over_tables_and_named_items():
    from game.scenario import merged

    base = {"a": 1, "t": {"x": 1, "y": 2}, "firms": [{"name": "A", "v": 1, "w": 2}, {"name": "B", "v": 3}],
            "ids": [{"id": "e1", "p": 0.1}], "plain": [1, 2]}
    changes = {"t": {"y": 5}, "firms": [{"name": "B", "v": 4}, {"name": "C", "v": 6}], "plain": [3],
               "ids": [{"id": "e1", "p": 1.0}]}
    out = merged(base, changes)
    assert out == {"a": 1, "t": {"x": 1, "y": 5}, "ids": [{"id": "e1", "p": 1.0}], "plain": [3],
                   "firms": [{"name": "A", "v": 1, "w": 2}, {"name": "B", "v": 4}, {"name": "C", "v": 6}]}
    assert base["t"] == {"x": 1, "y": 2} and base["firms"][1] == {"name": "B", "v": 3}, "the base is not modified"


@given(st.recursive(st.integers() | st.text(max_size=3), lambda inner: st.dictionaries(st.text(max_size=3), inner,
                                                                                        max_size=3), max_leaves=10))
def test_merging_nothing_or_the_base_itself_changes_nothing(value):
    from game.scenario import merged

    base = {"root": value}
    assert merged(base, {}) == base and merged(base, base) == base


def test_a_change_to_the_base_reaches_the_scenario_built_on_it_and_its_hash(tmp_path):
    from game.scenario import scenario_hash

    base = tmp_path / "base.toml"
    base.write_text(BASELINE_TEXT, encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{base}"\n\n[scenario]\nname = "child"\nturns = 6\n', encoding="utf-8")
    assert load_scenario(str(child)).scenario.turns == 6
    before = scenario_hash(str(child))
    edited_base = BASELINE_TEXT.replace('description_en = "The AI', 'description_en = "Edited: the AI')
    base.write_text(edited_base, encoding="utf-8")
    assert load_scenario(str(child)).scenario.description_en.startswith("Edited:")
    assert scenario_hash(str(child)) != before, "a save of the child must notice that its base changed"


@pytest.mark.parametrize("extends, needle", [
    ('"no_such_base"', "no_such_base.toml: no such scenario"),
    ("3", "extends: must name a scenario"),
    ('"LOOP"', "makes a loop"),
])
def test_a_bad_extends_is_refused_naming_the_file(tmp_path, extends, needle):
    child = tmp_path / "child.toml"
    child.write_text(f"extends = {extends.replace('LOOP', str(child))}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=needle):
        load_scenario(str(child))
