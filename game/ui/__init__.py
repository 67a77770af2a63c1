"""The desktop front end (pygame-ce + pygame_gui). Only this package imports pygame; the core
never does. Entry point: `game.ui.app.play` (`python main.py play`)."""
