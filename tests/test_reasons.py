"""The model's refusals read in the player's language: the English text is what logs, saves and
strategies have always seen, and the same refusal comes in Korean for a Korean player."""

from __future__ import annotations

import copy
import pickle
import re

import pytest

from game.actions import BrokerLink, Equity, ExportControl, Procurement, RDGrant
from game.model import World
from game.reasons import Reason, in_language
from game.scenario import load_scenario

HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.fixture
def world() -> World:
    """A game in its first quarter's policy phase, where Actions are taken."""
    world = World(load_scenario("baseline"), seed=3)
    world.open_quarter()
    return world


REFUSED = {  # an Action Korea may not take now -> (English text, a Korean fragment it must hold)
    "unknown firm": (RDGrant(designer="Nobody", amount=1e9), "unknown chip designer 'Nobody'", "칩 설계사"),
    "foreign firm": (RDGrant(designer="Nvidia", amount=1e9), "Nvidia is not a Korea firm", "한국 기업이 아닙니다"),
    "vendor mix": (Procurement(budget=1e9, mix={"leader": 0.5}), "the vendor mix must add up to 100%", "100%"),
    "no reach": (ExportControl(good="hbm", to_countries=["KOR"]), None, None),
    "over budget": (Equity(firm="Rebellions", amount=1e15), "over budget: ", "예산 초과: 분기당 "),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_each_refusal_is_the_same_in_english_and_has_a_korean_text(world, case):
    action, english, korean = REFUSED[case]
    verdict = world.governance.submit("KOR", [action], source="test")[0]
    reason = verdict.reason
    assert isinstance(reason, Reason)
    assert world.governance.log[-1]["refused"] == reason
    assert in_language(reason, "en") == str(reason)
    if english is not None:
        assert str(reason).startswith(english)
    assert HANGUL.search(in_language(reason, "ko")) and not HANGUL.search(str(reason))
    if korean is not None:
        assert korean in in_language(reason, "ko")


def test_a_korean_firm_name_and_money_in_eok_appear_in_korean(world):
    korean = in_language(world.governance.submit("KOR", [Equity(firm="Rebellions", amount=1e15)])[0].reason, "ko")
    # Korean units (game.text.korean_money): 1,000조 원 for the absurd ask, 억 for the budget
    assert re.search(r"분기당 1,000조 원 필요, [\d,]+억 원 사용 가능", korean)
    link = BrokerLink(designer="Rebellions", supplier="Zalman")
    assert world.governance.submit("KOR", [link])[0].accepted
    world.step()
    world.open_quarter()
    again = world.governance.submit("KOR", [link])[0].reason
    assert str(again) == "Rebellions and Zalman already work together"
    assert in_language(again, "ko") == "리벨리온과 잘만은 이미 함께 일하고 있습니다"


def test_a_reason_survives_copy_deepcopy_and_pickle_with_both_languages():
    reason = Reason("refuse.not_home", name="Nvidia", name_ko="엔비디아", country="Korea", country_ko="한국")
    for clone in (copy.copy(reason), copy.deepcopy(reason), pickle.loads(pickle.dumps(reason))):
        assert clone == reason and clone.text("ko") == "엔비디아는 한국 기업이 아닙니다"


def test_plain_strings_and_none_pass_through():
    assert in_language("a pydantic message", "ko") == "a pydantic message"
    assert in_language(None, "ko") == ""
