"""The desktop game's session: moved into the core as game/session.py (the classroom server
plays through it too); this module keeps the desktop's imports working."""

from game.session import (  # noqa: F401
    DESKTOP_AUTOSAVES,
    PLAYER,
    CountryView,
    PlayerController,
    Session,
    TurnReport,
    desktop_autosaves,
    validation_message,
)
