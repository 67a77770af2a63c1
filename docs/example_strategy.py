"""An example tournament strategy: run it with

    python main.py tournament --strategies docs/example_strategy.py:HomeChips,team_korea,laissez_faire \
        --seeds 50 --out results/

A strategy is any class whose instances have decide(observation) -> list[Action]; choose(event,
observation) -> int is optional (the first choice is taken otherwise). One instance plays one game.
"""

from game.actions import ChipIncentive, Procurement, ServiceIncentive


class HomeChips:
    """On the first turn: the national computing centre buys half home chips, and home-chip
    training and home-model services get incentives. Then it lets the policy run."""

    name = "home_chips"

    def decide(self, obs):
        if obs.turn != 0:
            return []
        plan = []
        if obs.national_buyer:
            plan.append(Procurement(mix={"leader": 0.4, "domestic": 0.5, "other": 0.1}))  # the plan, this mix
        plan += [ChipIncentive(rate=0.3), ServiceIncentive(rate=0.2)]
        # obs.check(actions) returns None if the seam would accept them, else the reason.
        return [action for action in plan if obs.check([action]) is None]

    def choose(self, event, obs):
        return 0  # an event with choices: take the first (they are bundles of Actions)
