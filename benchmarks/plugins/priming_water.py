"""PrimingWater: the foundry price-gap subsidy at its maximum for the first 8 quarters, then none.

The seeds' "priming water" chain (issue 13): a subsidy that brings home designers' volume to the home
foundry should leave it with a higher yield and more outside customers after the subsidy has ended.
benchmarks/bench_levers.py plays it against laissez_faire on paired seeds; as a plug-in it also plays
in a tournament:

    python main.py tournament --strategies laissez_faire,benchmarks/plugins/priming_water.py:PrimingWater ...

The rate is the Action's own upper bound (its pydantic field). Nothing else is pulled, and event
choices are answered as laissez_faire answers them.
"""

from __future__ import annotations

from agents.controllers import LaissezFaire
from game.actions import FoundrySubsidy


def _rate_max() -> float:
    return float(next(m.le for m in FoundrySubsidy.model_fields["rate"].metadata if getattr(m, "le", None) is not None))


class PrimingWater(LaissezFaire):
    name = "priming_water"
    quarters = 8  # the subsidy runs in quarters 1..8 and is withdrawn from quarter 9 on

    def decide(self, obs):
        if obs.turn == 0:
            return [FoundrySubsidy(rate=_rate_max())]
        if obs.turn == self.quarters:  # the decision made at the start of quarter 9
            return [FoundrySubsidy(rate=0.0)]
        return []
