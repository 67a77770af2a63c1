"""The desktop front end (pygame-ce + pygame_gui). Only this package imports pygame; the core
never does. Entry point: `game.ui.app.play` (`python main.py play`)."""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # no pygame banner on the player's terminal
