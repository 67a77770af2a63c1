"""Accelerator designers: they forecast demand, order wafers, HBM and packaging, and build chips.

A designer's chip generation is tied to the foundry picked when the generation launched
(MODEL.md section 3: inertia until the next generation). HBM and packaging are re-ordered every
quarter. What it can build is the least of what each input allows (Leontief), and the input
that binds is recorded: that is the bottleneck a player sees.
"""

from __future__ import annotations

from agents.base import Firm
from game.calendar import parse_quarter

INPUTS = ("demand", "wafer", "hbm", "packaging", "components")
STOCK_RESIDUE = 1e-9  # what is left of a stock after use, relative to the stock, below which it is rounding


class Designer(Firm):
    kind = "designer"

    def __init__(self, model, spec) -> None:
        super().__init__(model, spec.name, spec.name_ko, spec.country, spec.cash,
                         spec.borrow_limit, spec.fixed_cost)
        self.chip = spec.chip
        # the buyer an in-house chip serves (None: a merchant); its price is its unit cost, set by the
        # world once the inputs it is made of have prices (World.price_in_house)
        self.owner = spec.owner
        self.price = spec.chip.price if spec.chip.price is not None else 0.0
        self.ecosystem = spec.ecosystem
        self.foundries = list(spec.foundries)
        self.foundry_mix = list(spec.foundry_mix) or [1 / len(spec.foundries)] * len(spec.foundries)
        self.hbm_suppliers = list(spec.hbm_suppliers)
        self.packagers = list(spec.packagers)
        self.reserved = dict(spec.reserved)
        self.components = list(spec.components)
        self.sold_to = list(spec.sold_to)
        self.roadmap = sorted(spec.roadmap, key=lambda g: parse_quarter(g.launch))
        self.demand_est = spec.units0
        self.growth_est = 0.0
        self.inventory = 0.0  # finished chips, thousand units
        self.dies = 0.0  # good dies waiting for HBM or packaging, thousand chip-sets
        self.hbm_stock: dict[str, float] = {}  # HBM held, by generation, million GB
        if spec.hbm_stock and spec.chip.hbm_gen:
            self.hbm_stock[spec.chip.hbm_gen] = spec.hbm_stock
        self.hbm_perf = 1.0  # performance its chips in stock keep with the HBM they were built with
        self.designs_variants = spec.compliant_variants
        # destination -> its export-compliant variant there: perf (H100e), price (US$ k), quarter on sale
        self.variants: dict[str, dict[str, float]] = {
            c: {"perf": v.perf, "price": v.price, "ready": float(model.start - 1)}  # on sale before the start
            for c, v in spec.variants.items()}
        self.target = 0.0
        self.binding = "demand"
        self.sold = 0.0
        self.desired = 0.0
        self.perf_factor = 1.0  # events: a generation beating its roadmap, an inference shift
        self.rd_stock = 0.0  # US$ B of state R&D grants received (a training chip), cumulative
        self.rd_at_launch = 0.0  # rd_stock when its current generation launched
        self.rd_boost = 1.0  # performance gain the grants bought for the current generation
        # every HBM generation of the game, oldest first (the world's, fixed for a game)
        self.hbm_catalogue: list[str] = model.hbm_catalogue
        self._hbm_generations: tuple | None = None  # (chip, generations) last worked out

    @property
    def perf(self) -> float:
        """Performance of the chip on sale, H100-equivalents (lower when built with older HBM)."""
        return self.chip.perf * self.perf_factor * self.rd_boost * self.hbm_perf

    def hbm_generations(self) -> tuple[str, ...]:
        """The HBM generations its chip can be built with, its own first, then older ones
        (`hbm_older` of them) of the game's catalogue. Remembered for the chip it was worked out
        for (it is asked dozens of times a quarter; the catalogue is fixed for a game)."""
        chip = self.chip
        known = self._hbm_generations
        if known is not None and known[0] is chip:
            return known[1]
        if not chip.hbm_gen or chip.hbm_gb <= 0:
            generations: tuple[str, ...] = ()
        else:
            catalogue = self.hbm_catalogue
            own = catalogue.index(chip.hbm_gen)
            generations = tuple(catalogue[i] for i in range(own, max(own - chip.hbm_older, 0) - 1, -1))
        self._hbm_generations = (chip, generations)
        return generations

    def usable_hbm(self) -> float:
        return sum(self.hbm_stock.get(g, 0.0) for g in self.hbm_generations())

    def due_generation(self, now: int):
        """The roadmap generation that launches this quarter, if any (taken off the roadmap)."""
        if self.roadmap and parse_quarter(self.roadmap[0].launch) <= now:
            return self.roadmap.pop(0)
        return None

    def adopt_generation(self, generation, foundry_mix: list[float], rd_boost: float = 1.0) -> None:
        """A new chip generation: new specs and list price (an in-house chip has none: it costs
        its owner what it costs to make, World.price_in_house), foundries chosen now, and the
        performance that R&D grants bought while it was designed."""
        self.chip = generation
        self.rd_boost = rd_boost
        self.hbm_perf = 1.0  # a new generation's stock is built afresh
        self.perf_factor = 1.0  # an event's gain (a generation beating its roadmap) belonged to the last one
        if generation.price is not None:
            self.price = generation.price
        self.foundries = list(generation.foundries)
        self.foundry_mix = foundry_mix

    def plan(self, growth_cap: float) -> None:
        """This quarter's build target: expected demand less the chips already in stock."""
        growth = min(max(self.growth_est, 0.0), growth_cap)
        self.target = max(self.demand_est * (1 + growth) - self.inventory, 0.0) if self.alive else 0.0

    def input_needs(self) -> tuple[float, float, float]:
        """Good dies, HBM (million GB) and package-wafers still needed for the target."""
        dies = max(self.target - self.dies, 0.0)
        hbm = max(self.target * self.chip.hbm_gb / 1000 - self.usable_hbm(), 0.0)
        return dies, hbm, self.target / self.chip.chips_per_package_wafer

    def finish(self, made: float, binding: str, bandwidth: dict[str, float], elasticity: float) -> None:
        """Chips built this quarter leave the input stocks and join finished inventory. HBM is used
        newest first; a chip built with an older generation than its own keeps (bandwidth ratio) **
        elasticity of its performance, and the stock's performance is the blend."""
        self.output = made
        self.binding = binding
        self.dies = max(self.dies - made, 0.0)
        need = made * self.chip.hbm_gb / 1000
        factor_sum = 0.0
        if need > 0:
            own = bandwidth[self.chip.hbm_gen]
            left = need
            for gen in self.hbm_generations():
                stock = self.hbm_stock.get(gen, 0.0)
                used = min(stock, left)
                if used > 0:
                    rest = stock - used
                    # a rounding residue (a stock used up to the last bits) is nothing: left in
                    # stock, it would build ~1e-15 chips a later quarter and set the offer's
                    # performance to its generation's, a jump on the float's last bit
                    self.hbm_stock[gen] = rest if rest > STOCK_RESIDUE * stock else 0.0
                    left -= used
                    factor_sum += used * (bandwidth[gen] / own) ** elasticity
            factor = factor_sum / (need - left) if need > left else 1.0
        else:
            factor = 1.0
        if made > 0:
            self.hbm_perf = (self.inventory * self.hbm_perf + made * factor) / (self.inventory + made)
        self.inventory += made

    def observe_demand(self, desired: float, smoothing: float) -> None:
        """Smooth what buyers wanted (before rationing) into next quarter's forecast."""
        self.desired = desired
        previous = self.demand_est
        self.demand_est = (1 - smoothing) * previous + smoothing * desired
        if previous > 0:
            self.growth_est = (1 - smoothing) * self.growth_est + smoothing * (self.demand_est / previous - 1)
