"""Speed and memory figures for the game (scripts that print; see README.md)."""
