"""A stock used up to its last bits is empty: a rounding residue left in a designer's HBM stock
would build ~1e-15 chips in a later quarter and set the offer's performance to that residue's
generation, so a save replayed on a CPU whose exp and log differ in the last bit diverged (the
clean-clone CI of 874b38f: Cambricon's HBM2 residue of 1.1e-16 in 2029Q4)."""

from __future__ import annotations

from game.model import World
from game.scenario import load_scenario


def test_hbm_used_to_its_last_bits_leaves_an_empty_stock():
    world = World(load_scenario("baseline"), seed=0, tables=False)
    designer = next(d for d in world.designers if d.name == "Cambricon")
    gen = designer.chip.hbm_gen
    per_chip = designer.chip.hbm_gb / 1000
    made = 3.0
    designer.hbm_stock = {gen: made * per_chip * (1 + 4e-16)}  # a hair more than the chips need
    assert designer.hbm_stock[gen] > made * per_chip
    designer.inventory = 0.0
    designer.finish(made, "hbm", world.hbm_bandwidth, world.params.hbm_bandwidth_elasticity)
    assert designer.hbm_stock[gen] == 0.0 and designer.usable_hbm() == 0.0
    assert designer.hbm_perf == 1.0  # built on its own generation


def test_a_real_leftover_stays():
    world = World(load_scenario("baseline"), seed=0, tables=False)
    designer = next(d for d in world.designers if d.name == "Nvidia")
    gen = designer.chip.hbm_gen
    per_chip = designer.chip.hbm_gb / 1000
    designer.hbm_stock = {gen: 10 * per_chip}
    designer.finish(9.0, "demand", world.hbm_bandwidth, world.params.hbm_bandwidth_elasticity)
    assert abs(designer.hbm_stock[gen] - per_chip) < 1e-12
