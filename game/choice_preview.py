"""What each answer to an event's question would do (issue 16, item 6): its cost now, the budget
left after it, and the player's index a few quarters ahead, estimated on a fork of the world as
the adaptive strategy judges event choices (`World.preview`), so a dialog can show the stakes
before the player answers.

Asked in the middle of the quarter, where the quarter is paused at the event's question
(`World.question`): the event's own effects are already in the world, so each answer is judged
with them. `stakes` words them for the desktop's dialog and the classroom's desk alike. Pure: no
pygame.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.controllers import LaissezFaire
from game.actions import parse_action
from game.describe import money
from game.reasons import in_language
from game.text import quarter_name, tr

AHEAD = 4  # quarters ahead an answer is judged on: a lag of one or two, then a year's effect


@dataclass(frozen=True)
class Outlook:
    index: int  # the choice's position in the event's list
    cost_now: float  # local currency it costs this quarter (one-off costs and programme changes)
    per_quarter: float  # local currency a quarter it adds to the programmes in force from now on
    left: float  # the quarter's budget left after the programmes in force and this answer
    score: float | None  # the country's score AHEAD quarters on (None: the answer would be refused)
    refused: str | None  # why the model would refuse the answer's Actions, if it would
    reference: bool  # the answer that changes the least (laissez_faire's): the others are compared to it


def outlooks(world, code: str, event, quarters: int = AHEAD) -> tuple[list[Outlook], int]:
    """Each answer's outlook, and the quarter its score is read at. Only mid-quarter (an event
    asks while its quarter is open)."""
    governance = world.governance
    country = world.countries[code]
    base = governance.projected_cost(code, [], one_off=False)
    policy = governance.policy_in_force(code)
    reference = LaissezFaire().choose(event, _Seen(policy))
    ahead = min(quarters, world.turns - world.turn + 1)
    out = []
    for i, choice in enumerate(event.choices):
        actions = [parse_action(a) for a in choice.actions]
        refused = governance.check_bundle(code, actions) if actions else None
        once = sum(a.one_off_cost(world, country) for a in actions)
        running = governance.projected_cost(code, actions, one_off=False) - base
        score = world.preview(code, actions, ahead, choice.effects) if refused is None else None
        out.append(Outlook(index=i, cost_now=once + running, per_quarter=running,
                           left=country.budget_per_quarter - base - once - running, score=score,
                           refused=refused, reference=i == reference))
    return out, world.now + ahead - 1


def stakes(world, code: str, event, lang: str, found: tuple[list[Outlook], int] | None = None) -> tuple[str, list[str]]:
    """The budget left this quarter, and for each answer its cost, the budget it leaves and the
    index a few quarters on against the answer that changes least, in `lang`. `found`: `outlooks`
    already worked out (a reader in each language needs them once)."""
    country = world.countries[code]
    found, when = found if found is not None else outlooks(world, code, event)
    cash = lambda v: money(v, lang, country.currency)  # noqa: E731
    free = max((o.left + o.cost_now for o in found), default=country.budget_per_quarter)
    budget = tr("ui.event.budget", lang).format(left=cash(free), budget=cash(country.budget_per_quarter))
    ref = next((o for o in found if o.reference), None)
    ref_label = (event.choices[ref.index].label_ko if lang == "ko" else event.choices[ref.index].label_en) \
        if ref is not None else ""
    lines = []
    for o in found:
        if o.refused is not None:
            lines.append(f"{tr('ui.desk.refused', lang)}: {in_language(o.refused, lang)}")
            continue
        score = tr("ui.event.index", lang).format(date=quarter_name(when, lang), score=o.score)
        if ref is not None and ref.score is not None and not o.reference:
            score += " " + tr("ui.event.versus", lang).format(delta=o.score - ref.score, choice=ref_label)
        lines.append(tr("ui.event.outlook", lang).format(cost=cash(o.cost_now), left=cash(o.left), score=score))
    return budget, lines


class _Seen:
    """The little of an Observation laissez_faire reads to pick its answer: the policy."""

    def __init__(self, policy) -> None:
        self.policy = policy
