"""Hypothesis profiles: CI replays a fixed set of examples (a red build is always reproducible);
`HYPOTHESIS_PROFILE=explore python -m pytest` searches new ones."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
