"""The "Why?" panel: click an indicator (the index in the top bar, a component, a firm's share, a
chart line) and see, quarter by quarter, how it moved and which levers, events and mechanisms of
the cause log can have moved it (game/why.py decides which; this only lays the answer out).

The text is wrapped and rendered once when the panel opens (or the language or turn changes);
the mouse wheel scrolls it; Esc or a click outside closes it.
"""

from __future__ import annotations

import pygame

from game import why
from game.calendar import parse_quarter
from game.text import quarter_name, tr
from game.why import change, event_prefix, fmt  # in the core: the classroom's desks write them the same way

TEXT = (230, 234, 240)
DIM = (150, 162, 176)
YELLOW = (240, 228, 66)
UP = (143, 214, 148)
DOWN = (255, 138, 101)
SOURCE_COLOURS = {"event": YELLOW, "action": (120, 190, 255), "mechanism": (200, 205, 212)}


def when(label: str, lang: str) -> str:
    """A history's quarter label as the reader writes it ("2026년 4분기" in Korean, not "2026Q4")."""
    try:
        return quarter_name(parse_quarter(label), lang)
    except (ValueError, TypeError):
        return str(label)


class WhyPanel:
    RECT = pygame.Rect(40, 64, 800, 640)

    def __init__(self, fonts) -> None:
        self.fonts = fonts
        self.key: str | None = None
        self.scroll = 0
        self.lines: list[tuple[str, tuple, int, bool]] = []  # text, colour, size, bold
        self.stamp: tuple | None = None

    @property
    def is_open(self) -> bool:
        return self.key is not None

    def open(self, key: str) -> None:
        self.key, self.scroll, self.stamp = key, 0, None

    def close(self) -> None:
        self.key = None

    def layout(self, world, lang: str) -> None:
        """The panel's lines: a header, then each quarter that something moved it, newest first."""
        key, width = self.key, self.RECT.width - 40
        values = why.series(world, key)
        turns = why.explain(world, key)
        lines = []
        now = fmt(key, values[-1], lang) if values else "-"
        lines.append((f"{tr('ui.why.title', lang)} {why.label(world, key, lang)}", YELLOW, 18, True))
        summary = tr("ui.why.now", lang).format(value=now)
        if len(values) >= 2:
            summary += "   " + tr("ui.why.since", lang).format(date=when(world.history[0]["date"], lang),
                                                             change=change(key, values[0], values[-1], lang))
        lines.append((summary, TEXT, 14, False))
        lines.append((tr("ui.why.legend", lang), DIM, 12, False))
        if not turns:
            for part in self.fonts.wrap(tr("ui.why.nothing", lang), 14, width):  # wrapped: it is a paragraph
                lines.append((part, DIM, 14, False))
        for turn in turns:
            delta = change(key, turn["before"], turn["after"], lang)
            moved = bool(delta) and not delta.startswith("±")
            colour = (UP if turn["after"] > turn["before"] else DOWN) if moved else TEXT
            before, after = fmt(key, turn["before"], lang), fmt(key, turn["after"], lang)
            head = f"{when(turn['date'], lang)}: {before} → {after}"
            lines.append((f"{head}  ({delta})" if delta else head, colour, 15, True))
            given = why.parts_line(world, why.contributions(world, key, turn["turn"]), lang)  # an index's parts
            for i, part in enumerate(self.fonts.wrap(given, 13, width - 24) if given else []):
                lines.append((("  " if i == 0 else "     ") + part, TEXT, 13, False))
            for cause in turn["causes"]:
                text = (cause.get(lang) or cause.get("en", "")).rstrip().removesuffix(":")
                tag = tr(f"ui.why.source.{cause['source']}", lang)
                if cause["source"] == "event":  # the tag says it already: "[event] Video takes off"
                    text = text.removeprefix(event_prefix(lang))
                for i, part in enumerate(self.fonts.wrap(f"[{tag}] {text}", 13, width - 24)):
                    lines.append((("  " if i == 0 else "     ") + part, SOURCE_COLOURS.get(cause["source"], TEXT),
                                  13, False))
        self.lines = lines

    def draw(self, screen, world, lang: str) -> None:
        if self.key is None:
            return
        stamp = (world, world.turn, lang, self.key)  # the world itself: a released world's id may be reused
        if stamp != self.stamp:
            self.layout(world, lang)
            self.stamp = stamp
        rect = self.RECT
        shade = pygame.Surface(rect.inflate(16, 16).size, pygame.SRCALPHA)
        shade.fill((0, 0, 0, 120))
        screen.blit(shade, rect.inflate(16, 16))
        pygame.draw.rect(screen, (12, 16, 24), rect, border_radius=8)
        pygame.draw.rect(screen, YELLOW, rect, 2, border_radius=8)
        y = rect.y + 12
        head = self.lines[:3]
        for text, colour, size, bold in head:
            label = self.fonts.fit(text, size, colour, rect.width - 32, bold)
            screen.blit(label, (rect.x + 16, y))
            y += label.get_height() + 2
        pygame.draw.line(screen, (60, 72, 90), (rect.x + 12, y + 2), (rect.right - 12, y + 2))
        y += 8
        body = self.lines[3:]
        small, big = self.fonts.font(13).get_linesize() + 1, self.fonts.font(15, True).get_linesize() + 2
        room = (rect.bottom - 34 - y) // small
        self.scroll = max(0, min(self.scroll, len(body) - room))
        for text, colour, size, bold in body[self.scroll:self.scroll + room]:
            step = small if size <= 13 else big
            if y + step > rect.bottom - 30:  # the line heights follow the text size: stop above the hint
                break
            screen.blit(self.fonts.render(text, size, colour, bold), (rect.x + 16, y))
            y += step
        hint = tr("ui.why.hint", lang)
        if len(body) > room:
            hint = tr("ui.ticker.more", lang).format(n=max(len(body) - room - self.scroll, 0)) + "   " + hint
        label = self.fonts.fit(hint, 12, DIM, rect.width - 28)
        screen.blit(label, (rect.right - label.get_width() - 14, rect.bottom - label.get_height() - 6))

    def wheel(self, dy: int) -> None:
        self.scroll = max(0, self.scroll - dy * 3)
