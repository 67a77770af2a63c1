"""The conductor on the command line: `sim --control` chooses strategies by name, `--json` carries
every country's score and the Team Korea index, the summary grades the term, and `--explain`
prints the cause log in English or Korean. Usage mistakes exit 2 with a message, never a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from game.scenario import load_scenario
from game.score import grade

ROOT = Path(__file__).resolve().parent.parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")
CODES = {"KOR", "USA", "CHN", "TWN", "JPN", "EU", "GCC", "ROW"}


@cache
def sim(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", "sim", *argv], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def ok(*argv: str) -> str:
    done = sim(*argv)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


@cache
def document(*argv: str) -> dict:
    return json.loads(ok(*argv, "--json"))


def usage_error(*argv: str) -> str:
    done = sim(*argv)
    assert done.returncode == 2, (done.returncode, done.stdout[-500:], done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout == ""
    return done.stderr


# ------------------------------------------------------------------ --json

def test_json_series_and_final_carry_scores_and_the_korea_index():
    doc = document("--control", "KOR=team_korea")
    keys = {c.key for c in load_scenario("baseline").score.components}
    assert len(doc["series"]) == 20
    for entry in [*doc["series"], doc["final"]]:
        assert set(entry["score"]) == CODES
        assert all(isinstance(v, float) and 0 <= v <= 100 for v in entry["score"].values())
        assert set(entry["korea_index"]) == {*keys, "total"}
        assert entry["korea_index"]["total"] == entry["score"]["KOR"]
    assert doc["final"] == doc["series"][-1]


def test_team_korea_scores_higher_than_laissez_faire_for_seed_7():
    conductor = document("--control", "KOR=team_korea", "--seed", "7")
    idle = document("--control", "KOR=laissez_faire", "--seed", "7")
    assert conductor["seed"] == idle["seed"] == 7
    assert conductor["final"]["score"]["KOR"] > idle["final"]["score"]["KOR"] + 10
    assert (conductor["final"]["korea"]["domestic_compute_share"]
            > idle["final"]["korea"]["domestic_compute_share"])


def test_default_control_is_the_same_game_as_naming_the_defaults():
    assert document("--seed", "7") == document("--seed", "7", "--control", "USA=default,CHN=default")


def test_several_countries_can_be_controlled_at_once():
    out = ok("--control", "KOR=team_korea,USA=default,CHN=laissez_faire", "--turns", "2")
    line = next(x for x in out.splitlines() if x.strip().startswith("Controllers:"))
    assert "KOR=team_korea" in line and "USA=default" in line and "CHN=laissez_faire" in line


# ------------------------------------------------------------------ usage errors

def test_unknown_strategy_lists_the_valid_ones():
    message = usage_error("--control", "KOR=bogus")
    assert "bogus" in message
    for name in ("team_korea", "laissez_faire", "all_nvidia", "random", "greedy"):
        assert name in message


def test_unknown_country_is_named():
    message = usage_error("--control", "XYZ=team_korea")
    assert "XYZ" in message
    assert "KOR" in message  # the valid codes are listed


@pytest.mark.parametrize("control", ["KOR", "KOR=", "=team_korea"])
def test_control_without_a_strategy_is_a_usage_error(control):
    message = usage_error("--control", control)
    assert "--control" in message


def test_lowercase_country_code_is_accepted():
    assert document("--control", "kor=team_korea", "--turns", "2") == document(
        "--control", "KOR=team_korea", "--turns", "2")


# ------------------------------------------------------------------ the summary and --explain

SUMMARY_INDEX = re.compile(r"Team Korea index: (\d+\.\d) / 100, Grade ([A-F])\b")


def test_summary_shows_the_team_korea_index_with_a_grade_and_its_breakdown():
    out = ok("--control", "KOR=team_korea")
    match = SUMMARY_INDEX.search(out)
    assert match, out
    spec = load_scenario("baseline").score
    final = document("--control", "KOR=team_korea")["final"]
    assert float(match.group(1)) == pytest.approx(final["score"]["KOR"], abs=0.051)
    assert match.group(2) == grade(spec, final["score"]["KOR"])
    for component in spec.components:
        assert f"{component.label_en}: {final['korea_index'][component.key]:.0f} x {component.weight:.2f}" in out
    assert "Why things moved" not in out  # the cause log only with --explain


def test_korean_summary_shows_the_index_and_grade():
    out = ok("--control", "KOR=team_korea", "--lang", "ko")
    assert re.search(r"팀 코리아 지수: \d+\.\d / 100, 등급 [A-F]\b", out), out


def test_the_korean_cause_log_describes_actions_in_korean():
    log = ok("--control", "KOR=team_korea", "--explain", "--lang", "ko", "--turns", "2")
    # country names and glossary terms in Korean (issue 17): [한국 정책], 선두 기업
    assert re.search(r"\[한국 정책\] 국가AI컴퓨팅센터 조달 계획대로: 선두 기업 50%, 국산 칩 40%, 기타 10%", log)
    assert re.search(r"\[한국 정책\] 학습용 칩 R&D 지원 리벨리온 [\d,]+억 원", log)
    assert "B KRW" not in log and "amount" not in log


def test_explain_prints_the_cause_log_with_the_procurement_mandate():
    out = ok("--control", "KOR=team_korea", "--explain")
    assert "Why things moved (cause log)" in out
    log = out.split("Why things moved (cause log)", 1)[1]
    assert re.search(r"^  2025Q1$", log, re.M)
    assert re.search(r"\[action KOR\] National computing centre procurement following its plan: "
                     r"leader 50%, home chips 40%, others 10%", log)
    mandate = re.findall(r"\[effect KOR\] (Rebellions|FuriosaAI): \+[\d.]+k units ordered by National AI "
                         r"Computing Centre under the mandate \(40% home chips\)", log)
    assert len(mandate) >= 10


def test_explain_in_korean_prints_korean_causes():
    out = ok("--control", "KOR=team_korea", "--explain", "--lang", "ko")
    assert "변화의 원인 (원인 기록)" in out
    log = out.split("변화의 원인 (원인 기록)", 1)[1]
    assert re.search(r"\[한국 효과\] (리벨리온|퓨리오사AI): 의무 구매 비율\(국산 40%\)에 따라 국가AI컴퓨팅센터에서 "
                     r"[\d,만 ]+개 추가 주문", log)
    assert re.search(r"\[한국 정책\] 국가AI컴퓨팅센터 조달", log)
    lines = [x for x in log.splitlines() if x.startswith("    [")]
    assert lines and all(HANGUL.search(x) for x in lines if "효과]" in x)


def test_explain_with_laissez_faire_has_no_korean_actions():
    out = ok("--control", "KOR=laissez_faire", "--explain", "--turns", "4")
    log = out.split("Why things moved (cause log)", 1)[1]
    korean = [line for line in log.splitlines() if "[action KOR]" in line]
    assert all("Answered" in line and line.endswith("Stay out") for line in korean), korean  # no policy, ever
    assert "[action USA]" in log  # the other countries still play their programmes


def test_json_ignores_explain_and_stays_one_document():
    done = sim("--control", "KOR=team_korea", "--explain", "--json", "--turns", "3")
    assert done.returncode == 0
    assert json.loads(done.stdout)["turns"] == 3


def test_scenario_with_an_invalid_choice_action_is_a_usage_error(tmp_path):
    text = (ROOT / "assets" / "scenarios" / "baseline.toml").read_text(encoding="utf-8")
    broken = text.replace('firm = "Rebellions", amount = 70e9', 'firm = "Rebellions", amount = -70e9')
    assert broken != text
    path = tmp_path / "broken_choice.toml"
    path.write_text(broken, encoding="utf-8")
    message = usage_error("--scenario", str(path), "--turns", "1")
    assert "middle_east_compute_deal" in message
