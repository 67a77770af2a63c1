"""Why the model refuses something, in words a player reads in either language.

A Reason *is* its English text (a str), so the log, saves, strategies and tests read it as
before; `in_language(reason, lang)` gives it in Korean from the same strings files ("refuse.*").
A parameter `x` may carry a per-language form as `x_ko` (a firm's Korean name, money in 억)."""

from __future__ import annotations

from game.text import tr


def _fill(key: str, params: dict, lang: str) -> str:
    values = {k: params.get(f"{k}_{lang}", v) for k, v in params.items()}
    return tr(key, lang).format(**values)


class Reason(str):
    def __new__(cls, key: str, **params) -> Reason:
        reason = super().__new__(cls, _fill(key, params, "en"))
        reason.key, reason.params = key, params
        return reason

    def __getnewargs_ex__(self):  # copy, deepcopy (World.preview) and pickle rebuild it from key and params
        return (self.key,), self.params

    def text(self, lang: str) -> str:
        return _fill(self.key, self.params, lang)


def in_language(reason: str | None, lang: str) -> str:
    """The reason in `lang`; a plain string (e.g. a pydantic message) as it is."""
    if reason is None:
        return ""
    return reason.text(lang) if isinstance(reason, Reason) else str(reason)


def names(agent, name: str) -> dict[str, str]:
    """A firm's name as a reason parameter, with its Korean form when the agent exists."""
    return {"name": name, "name_ko": agent.name_ko if agent is not None else name}
