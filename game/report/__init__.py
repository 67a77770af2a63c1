"""The debrief report (`python main.py report`): a front end beside game/ui and game/tournament,
so the core stays free of matplotlib. debrief.py gathers the content (no plotting), page.py
writes the self-contained HTML, charts.py draws the matplotlib charts."""
