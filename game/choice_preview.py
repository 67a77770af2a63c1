"""What each answer to an event's question would do (issue 16, item 6): its cost now, the budget
left after it, and the player's index a few quarters ahead, estimated on a fork of the world as
the adaptive strategy judges event choices (`World.preview`), so a dialog can show the stakes
before the player answers.

Asked in the middle of the quarter, when the event fires (`PlayerController.choose`): the event's
own effects are already in the world, so each answer is judged with them. Pure: no pygame.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.controllers import LaissezFaire
from game.actions import parse_action

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


class _Seen:
    """The little of an Observation laissez_faire reads to pick its answer: the policy."""

    def __init__(self, policy) -> None:
        self.policy = policy
