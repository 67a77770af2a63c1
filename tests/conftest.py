"""Hypothesis profiles: CI replays a fixed set of examples (a red build is always reproducible);
`HYPOTHESIS_PROFILE=explore python -m pytest` searches new ones."""

import os
import sys

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))



@pytest.fixture(autouse=True)
def _an_unscripted_dialog_is_answered(monkeypatch):
    """A headless test has nobody to click: an event's choice dialog that a test did not script
    (`choice_script`, `modal_hook`) is answered with its first choice after a few frames, as a
    player pressing 1 would, instead of waiting for ever. Which events fire depends on the seed's
    draws, so a test must not hang because the model's history moved."""
    app_module = sys.modules.get("game.ui.app")
    if app_module is None:
        return
    original = app_module.GameApp.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        frames = {"seen": 0}

        def press_one(app, buttons):
            frames["seen"] += 1
            if frames["seen"] % 3 == 0:
                import pygame

                pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_1, mod=0, unicode="1", scancode=0))

        self.modal_hook = press_one

    monkeypatch.setattr(app_module.GameApp, "__init__", init)
