"""The policy side of the turn: controllers, the Action seam, events, and the cause log.

Every change of policy enters here (`submit`) and nowhere else: it is validated (the Action's
own check, a known lever, the country's budget), refused with a reason that a UI can show, or
scheduled after the lever's lag. Standing programmes are paid each quarter; usage-based ones
(subsidies, incentives, capacity support) are paid by the mechanisms as they are used.
"""

from __future__ import annotations

import functools
import operator
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from pydantic import ValidationError

from game import events as event_rules
from game.actions import ACTION_TYPES, Action, dump, parse_action
from game.describe import describe_action, money
from game.observation import Deferred, Observation
from game.reasons import Reason
from game.scenario import ScenarioError
from game.text import LANGUAGES, tr


def genuine(action) -> tuple[Action, Reason | None]:
    """The Action `action` claims to be, rebuilt from its fields by the one parser (exact types
    only), and the reason it is not one, or None. An object that merely looks like an Action
    (built with `model_construct` around a negative grant or a NaN, or a subclass whose cost is
    zero) never reaches the world: what is checked, costed, applied and logged is the rebuilt one."""
    if type(action) not in ACTION_TYPES:
        return action, Reason("refuse.not_action")
    try:
        rebuilt = parse_action(dump(action))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"][1:])
        return action, Reason("refuse.invalid_action", problem=f"{where}: {err['msg']}" if where else err["msg"])
    except Exception as exc:  # a hostile object may fail to dump in any way
        return action, Reason("refuse.invalid_action", problem=type(exc).__name__)
    return rebuilt, None


class _Money:
    """A sum of money's words in one language (`describe.money`), written when a text that holds it
    is formatted: a refusal's Korean parameters (`Reason` is its English text, worked out at
    once) are read only by a Korean screen, while most refusals a strategy meets are asked for
    by its budget checks and only compared with None. Formats as the words would."""

    __slots__ = ("currency", "lang", "local")

    def __init__(self, local: float, lang: str, currency: str) -> None:
        self.local, self.lang, self.currency = local, lang, currency

    def __str__(self) -> str:
        return money(self.local, self.lang, self.currency)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other) -> bool:  # as its words: a reason's parameters compare as they did
        return str(self) == (str(other) if isinstance(other, _Money) else other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return repr(str(self))


@functools.cache
def lever_words(kind: str) -> tuple[str, str]:
    """A lever kind's name in English and Korean (`tr("lever.<kind>")`): the strings files are
    read once a process, and an enacted Action's cause-log entry names its lever in both."""
    return tr(f"lever.{kind}", "en"), tr(f"lever.{kind}", "ko")


class _Words:
    """Texts in every language worked out once per (scenario object, what they say): the words of
    an enacted Action (`describe_action` of its fields and currency) and of an event's or an
    answer's effects (`World.render` of their notes) read nothing else but the strings files and
    the names of the scenario's firms and countries, which nothing changes once a world is built.
    A game's default programmes enact the same Actions again and again, and the games of a
    tournament on one scenario enact and fire alike. A scenario's texts are dropped when the
    scenario is collected (a weak reference: they neither pin it nor outlive it), and the last
    `kept` of each are kept. The texts are str: a cause log shares them as it would copies."""

    def __init__(self, kept: int) -> None:
        self._by_scenario: dict[int, dict[tuple, dict[str, str]]] = {}
        self._kept = kept

    def of(self, world, what: tuple, make: Callable[[], dict[str, str]]) -> dict[str, str]:
        scenario = world.scenario
        texts = self._by_scenario.get(id(scenario))
        if texts is None:
            texts = self._by_scenario[id(scenario)] = {}
            weakref.finalize(scenario, self._by_scenario.pop, id(scenario), None)
        words = texts.get(what)
        if words is None:
            words = texts[what] = make()
            while len(texts) > self._kept:
                texts.pop(next(iter(texts)))
        return words


_WORDS = _Words(kept=4096)


def described(world, fields: dict, currency: str) -> dict[str, str]:
    """`describe_action(fields, lang, world, currency)` in every language (an enacted Action's
    cause-log words), worked out once per scenario, currency and fields (`_Words`)."""
    return _WORDS.of(world, ("action", currency, repr(fields)),
                     lambda: {lang: describe_action(fields, lang, world, currency) for lang in LANGUAGES})


def effects_described(world, notes: list[tuple[str, dict]]) -> dict[str, str]:
    """The notes of effects just applied (`events.apply_effect`'s), rendered and joined in every
    language (an event's or an answer's cause-log detail), once per scenario and notes (`_Words`)."""
    return _WORDS.of(world, ("effects", repr(notes)),
                     lambda: {lang: "; ".join(world.render(key, params, lang) for key, params in notes)
                              for lang in ("en", "ko")})


@dataclass(frozen=True)
class Question:
    """An event's question the quarter is paused at: its chooser answers later (a person at a
    screen or in a browser), through `World.answer`, which resumes the quarter."""

    event: str  # the event's id
    chooser: str  # the country that answers
    turn: int  # the quarter it was asked in (world.turn)


@dataclass
class _EventRound:
    """Where this quarter's pass over the scenario's events stands: the next event to look at,
    and the events a teacher triggered for this quarter (taken from `forced` as the pass began)."""

    next: int = 0
    forced: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str | None  # None: accepted

    @property
    def accepted(self) -> bool:
        return self.reason is None


def _seen_part(record, key: str, depth: int) -> dict:
    """A copy of one of the record's figures (indicators, scores, a part of its snapshot; `depth`
    2: a dict of dicts), so a controller may edit what it is handed."""
    part = getattr(record, key)
    return {m: dict(v) for m, v in part.items()} if depth == 2 else dict(part)


def _prices_of(record) -> dict:
    """A copy of a record's prices, or {} where there is no record (before the first quarter)."""
    return dict(record.prices) if record is not None else {}


class _AcceptedIndex:
    """The entries of a governance's Action log that record an accepted Action, by country, in
    the log's order, as far as the log has been read (`read`): `Governance.accepted` is asked
    every quarter by strategies that read their history, and scanning the whole log each time
    grew with the square of the game's length. The log is only ever appended to (an entry is
    never changed once logged), so the entries read stay what they were."""

    def __init__(self, log: list[dict]) -> None:
        self.log = log
        self.read = 0
        self.by_country: dict[str, list[dict]] = {}


# Kept beside each Governance (a weak mapping), not in it: a world's state is what it was without
# it (issue 15 compares whole states bit for bit); a fork's governance is another and reads its own.
_ACCEPTED: weakref.WeakKeyDictionary[Governance, _AcceptedIndex] = weakref.WeakKeyDictionary()


def _accepted_entries(governance: Governance, country_id: str) -> list[dict]:
    """The log entries of `country_id`'s accepted Actions, oldest first: those
    `e["country"] == country_id and not e.get("refused") and e.get("action")` picks."""
    log = governance.log
    index = _ACCEPTED.get(governance)
    if index is None or index.log is not log or index.read > len(log):
        index = _ACCEPTED[governance] = _AcceptedIndex(log)
    if index.read < len(log):
        by_country = index.by_country
        for e in log[index.read:]:
            if not e.get("refused") and e.get("action"):
                found = by_country.get(e["country"])
                if found is None:
                    found = by_country[e["country"]] = []
                found.append(e)
        index.read = len(log)
    return index.by_country.get(country_id, [])


class Governance:
    def __init__(self, world, controllers: dict) -> None:
        self.world = world
        self.controllers = controllers
        self.pending: list[tuple[int, str, Action]] = []
        self.one_off_this_quarter: dict[str, float] = {}
        self.submitted: dict[str, int] = {}  # Actions each country has submitted this quarter
        self.log: list[dict] = []  # every Action submitted, accepted or not, and every event choice
        self.fired: set[str] = set()
        self.forced: list[str] = []  # events a teacher triggered: they fire at the start of the next quarter
        self.question: Question | None = None  # the question this quarter is paused at (World.answer)
        self._round: _EventRound | None = None  # this quarter's pass over the events, until it ends
        # Who is at home where never changes: worked out once, not in every observation.
        self.home_firms = {c: [a for a in world.by_name.values() if a.country == c and a.kind != "buyer"]
                           for c in world.countries}
        self.home_industries = {c: [i.name for i in world.industries if i.country == c] for c in world.countries}
        # the foreign foundries each country hosts (sites are fixed for a game; `observe` keeps the alive)
        self.hosted = {c: [f for f in world.foundries if f.hosted_in(c)] for c in world.countries}
        levers = world.scenario.levers  # nor which levers each state has (Observation.levers)
        self.levers_offered = {c: tuple(levers.offered_to(c)) if levers else () for c in world.countries}
        streams = np.random.SeedSequence(world.seed_value).spawn(len(world.countries))
        self.rngs = {c: np.random.Generator(np.random.PCG64(s)) for c, s in zip(world.countries, streams, strict=True)}
        choices = [(e, c) for e in world.scenario.events for c in e.choices]
        for event, choice in choices:
            for data in choice.actions:
                try:
                    parse_action(data)
                except ValidationError as exc:
                    raise ScenarioError(f"events.{event.id}: a choice holds an invalid action {data}: "
                                        f"{exc.errors()[0]['msg']}") from None

    # ------------------------------------------------------------------ the seam
    MAX_ACTIONS_PER_QUARTER = 64  # per country; a real policy needs a dozen (the whole desk is ~15)

    def submit(self, country_id: str, actions: list[Action], source: str = "desk") -> list[Verdict]:
        """Validate and schedule Actions in order; each is accepted or refused on its own.

        Only during a quarter (between `begin_turn` and the quarter's record): a save re-plays the
        log quarter by quarter, so an Action taken between quarters could not be re-played.
        `source` says who acted: "controller" (inside `decide_all`), "desk" (handed in directly
        while the quarter is open: a notebook, a test), "event:<id>" (an event's choice). Each
        Action is rebuilt from its fields and checked again (an object made with `model_construct`,
        or a subclass with its own cost or effect, is not the Action it claims to be), and a
        country's Actions beyond MAX_ACTIONS_PER_QUARTER in one quarter are refused together."""
        world = self.world
        if not world.in_turn:
            return [Verdict(a, Reason("refuse.between_turns")) for a in actions]
        if self.question is not None and source == "desk":
            # Handed in while the quarter waits at a question, it would come before the controllers'
            # Actions, which a save's re-play (which hands desk Actions in after them) cannot repeat.
            return [Verdict(a, Reason("refuse.question_pending", event=self.question.event)) for a in actions]
        verdicts = []
        for action in actions:  # in order: each sees the budget the ones before it committed
            count = self.submitted.get(country_id, 0)
            self.submitted[country_id] = count + 1
            if count >= self.MAX_ACTIONS_PER_QUARTER:
                verdicts.append(Verdict(action, Reason("refuse.too_many", limit=self.MAX_ACTIONS_PER_QUARTER)))
                if count == self.MAX_ACTIONS_PER_QUARTER:  # logged once, not once per Action
                    self.log.append({"turn": world.turn, "date": world.date, "country": country_id,
                                     "source": source, "action": None, "refused": verdicts[-1].reason})
                continue
            action, problem = genuine(action)
            verdict = Verdict(action, problem or self._refusal(country_id, action, rebuilt=True))
            verdicts.append(verdict)
            fields = dump(action) if problem is None else {"kind": repr(action)[:80]}
            self.log.append({"turn": world.turn, "date": world.date, "country": country_id, "source": source,
                             "action": fields, "refused": verdict.reason})
            if verdict.accepted:
                self._schedule(country_id, action)
        return verdicts

    def _refusal(self, country_id: str, action: Action, rebuilt: bool = False) -> str | None:
        """Why `action` would be refused now, or None. `rebuilt`: it comes from `genuine`
        already (submit), so it is not parsed a second time."""
        world = self.world
        country = world.countries.get(country_id)
        if country is None:
            return Reason("refuse.unknown_country", code=country_id)
        if not rebuilt:
            action, problem = genuine(action)
            if problem:
                return problem
        for _, owner, queued in self.pending:  # a loop, not any(): it is asked for every Action checked
            if owner == country_id and queued == action:
                return Reason("refuse.pending")
        levers = world.scenario.levers
        if levers is None or action.kind not in levers.lags:
            return Reason("refuse.no_lever", kind=action.kind)
        if not levers.offers(country_id, action.kind):
            return Reason("refuse.not_offered", lever=str(tr(f"lever.{action.kind}", "en")),
                          lever_ko=str(tr(f"lever.{action.kind}", "ko")), country=country.name_en,
                          country_ko=country.name_ko)
        return action.check(world, country) or self._over_budget(country_id, action)

    def projected_cost(self, country_id: str, extra: list[Action], one_off: bool = True) -> float:
        """This quarter's cost of the country's policy once its pending and `extra` Actions are
        in force: standing programmes (and the capacity support it owes on projects under way),
        usage-based programmes at last quarter's use, and (`one_off`) one-off costs."""
        world = self.world
        country = world.countries[country_id]
        policy = country.policy
        queued = [a for _, c, a in self.pending if c == country_id] + list(extra)
        if queued:  # a copy to apply them to; with none, the policy in force is only read
            policy = policy.copy()
            for action in queued:
                self._apply_to_policy(action, policy, country, dry=True)
        once = 0.0
        if one_off:  # one-off costs only read the Actions (a budget check of programmes leaves them out)
            once = self.one_off_this_quarter.get(country_id, 0.0) + sum(a.one_off_cost(world, country) for a in queued)
        return (policy.standing_cost(world, country) + country.committed_support()
                + world.usage_estimate(country_id, policy) + once)

    def _over_budget(self, country_id: str, action: Action) -> Reason | None:
        """A one-off cost (equity, a brokered link) must fit what is left of the quarter it is paid
        in (it then displaces the programmes, which run at their funded share); a programme must
        fit the quarterly budget with the others in force, unless it costs no more than the
        policy without it: a cut is never refused for money, or a state whose programmes have
        outgrown its budget (usage-based ones grow with use) could not cut its way back. Programmes
        that ask for more than is left in a quarter are not refused: they run at the funded share
        (money is conserved)."""
        world = self.world
        country = world.countries[country_id]
        once = action.one_off_cost(world, country)
        if once > 0:
            lag = world.scenario.levers.lags[action.kind]
            available = country.left if lag == 0 else country.budget_per_quarter
            need = once
        else:
            available = country.budget_per_quarter
            need = self.projected_cost(country_id, [action], one_off=False)
            if need > available + 1e-6 and need <= self.projected_cost(country_id, [], one_off=False) + 1e-6:
                return None  # it costs no more than the policy without it: a cut
        if need <= available + 1e-6:
            return None
        return Reason("refuse.over_budget", need=money(need, "en", country.currency),
                      need_ko=_Money(need, "ko", country.currency),
                      budget=f"{available / 1e9:,.1f}B", budget_ko=_Money(available, "ko", country.currency))

    def policy_in_force(self, country_id: str):
        """A copy of a country's policy once its Actions still in their lag take effect: what a
        desk or a controller plans from (the settings it will have, not the ones of today)."""
        country = self.world.countries[country_id]
        policy = country.policy.copy()
        for _, owner, action in self.pending:
            if owner == country_id:
                self._apply_to_policy(action, policy, country, dry=True)
        return policy

    def scheduled(self, country_id: str) -> list[tuple[int, Action]]:
        """A country's Actions accepted but still in their lag: (the quarter it takes effect,
        the Action), earliest first (a desk lists them; Observation.waiting counts them)."""
        return sorted(((ready, action) for ready, owner, action in self.pending if owner == country_id),
                      key=lambda p: p[0])

    def _apply_to_policy(self, action: Action, policy, country, dry: bool) -> None:
        if dry and action.kind in ("broker_link", "equity", "export_control"):
            return  # these act on the world, not on policy settings
        action.apply(policy, self.world, country)

    def _schedule(self, country_id: str, action: Action) -> None:
        lag = self.world.scenario.levers.lags[action.kind]
        if lag == 0:
            self._enact(country_id, action)
        else:
            self.pending.append((self.world.now + lag, country_id, action))

    def _enact(self, country_id: str, action: Action) -> None:
        world = self.world
        country = world.countries[country_id]
        cost = action.one_off_cost(world, country)
        if cost:
            if country.left + 1e-6 < cost:  # a lagged Action whose quarter has too little left
                world.note("action", country_id, "cause.unpaid", kind=tr(f"lever.{action.kind}", "en"),
                           kind_ko=tr(f"lever.{action.kind}", "ko"))
                return
            country.pay(cost)
            self.one_off_this_quarter[country_id] = self.one_off_this_quarter.get(country_id, 0.0) + cost
        self._apply_to_policy(action, country.policy, country, dry=False)
        if world.explains:  # the words are the cause log's alone
            words = described(world, dump(action), country.currency)
            lever, lever_ko = lever_words(action.kind)
            world.note("action", country_id, "cause.action", kind=lever, kind_ko=lever_ko, detail=words["en"],
                       detail_ko=words["ko"])

    def enact_due(self) -> None:
        """Actions whose lag has passed take effect now."""
        now = self.world.now
        due = [p for p in self.pending if p[0] <= now]
        self.pending = [p for p in self.pending if p[0] > now]
        for _, country_id, action in due:
            self._enact(country_id, action)

    # ------------------------------------------------------------------ each quarter
    def new_quarter(self) -> None:
        self.one_off_this_quarter = {}
        self.submitted = {}
        self.question = None  # a quarter never inherits a question (a preview closes its copy's quarter at one)
        self._round = None

    def decide_all(self) -> None:
        """Every controller decides on its own Observation, built as it decides; a controller
        whose `decide` never acts (game.observation.acts_never: the base Controller's, so
        laissez_faire's) is neither shown one nor called."""
        for country_id, controller in self.controllers.items():
            if getattr(getattr(type(controller), "decide", None), "acts_never", False):
                continue
            actions = controller.decide(self.observe(country_id))
            self.submit(country_id, list(actions or []), source="controller")

    def fire_events(self) -> bool:
        """Scenario events whose window is open and conditions hold fire with their probability.
        Every event draws its own number every quarter, fired, eligible or not (game.streams): the
        same seed gives the same draws whatever the controllers do, so paired games share a history.

        An event with choices asks its chooser's controller at once (`choose`), unless the
        controller answers later (`answers_later(event)`: a person's seat): then the pass stops
        at that event with `question` set, and False is returned; `answer` records the answer
        and goes on from the next event. Each event draws from its own stream, so the quarter
        paused and answered is the quarter answered at once, draw for draw. True: every event
        has been through."""
        forced, self.forced = self.forced, []
        self._round = _EventRound(next=0, forced=forced)
        return self._go_through_events()

    def _go_through_events(self) -> bool:
        """The pass over the events from where it stands (`_round`); False when it stops at a
        question a controller answers later."""
        world, where = self.world, self._round
        events = world.scenario.events
        count = len(events)
        while where.next < count:
            event = events[where.next]
            where.next += 1
            if not self._fires(event, where.forced):
                continue
            if not event.choices:
                continue
            controller = self.controllers.get(event.chooser)
            later = getattr(controller, "answers_later", None)
            if later is not None and later(event):
                self.question = Question(event=event.id, chooser=event.chooser, turn=world.turn)
                return False
            self._ask(event)
        self._round = None
        return True

    def _fires(self, event, forced: list[str]) -> bool:
        """Take the event's number for this quarter and fire it if it fires (its effects applied
        and noted); whether it fired. An event that cannot fire (fired already, its window shut,
        a condition false) or need not draw (a teacher's) passes its number over (the seed's
        draws stay put): its stream is built only once the event draws (game.streams)."""
        world = self.world
        stream = f"event:{event.id}"
        if event.id in self.fired:
            world.streams.pass_over(stream)
            return False
        if event.id in forced:  # the teacher's: no window, condition or draw
            world.streams.pass_over(stream)
            world.note("event", "", "cause.teacher_event", title=event.title_en, title_ko=event.title_ko)
        elif not event_rules.may_fire(world, event):
            world.streams.pass_over(stream)
            return False
        elif world.streams(stream).random() >= event_rules.probability(world, event):
            return False
        self.fired.add(event.id)
        notes = [event_rules.apply_effect(world, effect, world.now) for effect in event.effects]
        if not world.explains:
            return True
        detail = effects_described(world, notes)
        world.note("event", event.chooser or "", "cause.event" if notes else "cause.event_plain",
                   title=event.title_en, title_ko=event.title_ko, detail=detail["en"], detail_ko=detail["ko"],
                   event=event.id)
        return True

    def answer(self, index: int, event_id: str | None = None) -> bool:
        """The answer to the question the quarter is paused at, recorded as an answer given at
        once is (`_record_choice`), and the pass over the events goes on; True when it has been
        through every event (no question left), False when it stopped at another. Refused with
        nothing changed: no question (RuntimeError), another event's id or a choice the event
        does not offer (ValueError)."""
        question = self.question
        if question is None:
            raise RuntimeError("no question is waiting for an answer")
        event = next(e for e in self.world.scenario.events if e.id == question.event)
        if event_id is not None and event_id != event.id:
            raise ValueError(f"the question waiting is {event.id!r}, not {event_id!r}")
        try:
            number = None if isinstance(index, bool) else operator.index(index)
        except TypeError:
            number = None
        if number is None or not 0 <= number < len(event.choices):
            raise ValueError(f"{event.id}: no choice {index!r} (0 to {len(event.choices) - 1})")
        self.question = None
        self._record_choice(event, number)
        return self._go_through_events()

    def trigger(self, event_id: str, source: str = "teacher") -> str | None:
        """Have a scenario event fire at the start of the next quarter, whatever its window,
        conditions and odds (a teacher's demonstration). Logged like an Action, so a save re-plays
        it; returns why it cannot (unknown, already fired or triggered), changing nothing then."""
        world = self.world
        event = next((e for e in world.scenario.events if e.id == event_id), None)
        if event is None:
            return Reason("refuse.no_event", event=event_id)
        if event_id in self.fired:
            return Reason("refuse.event_fired", event=event_id, event_ko=event.title_ko)
        if event_id in self.forced:
            return Reason("refuse.event_set", event=event_id, event_ko=event.title_ko)
        self.forced.append(event_id)
        self.log.append({"turn": world.turn, "date": world.date, "country": event.chooser or "ALL",
                         "source": source, "event": event_id, "refused": None})
        return None

    def _ask(self, event) -> None:
        controller = self.controllers.get(event.chooser)
        if controller is None:
            return
        if getattr(getattr(type(controller), "choose", None), "answers_first", False):
            index = 0  # the base Controller's answer, which reads no observation (observation.answers_first)
        else:
            index = int(controller.choose(event, self.observe(event.chooser)))
        self._record_choice(event, min(max(index, 0), len(event.choices) - 1))

    def _record_choice(self, event, index: int) -> None:
        """An answer, asked now or answered later: logged (a save re-plays it), noted in the cause
        log, its own effects applied and its Actions submitted as the event's."""
        choice = event.choices[index]
        self.log.append({"turn": self.world.turn, "date": self.world.date, "country": event.chooser,
                         "source": "choice", "event": event.id, "choice": index, "refused": None})
        self.world.note("action", event.chooser, "cause.choice", title=event.title_en, title_ko=event.title_ko,
                        choice=choice.label_en, choice_ko=choice.label_ko)
        self.apply_choice_effects(event, choice)
        self.submit(event.chooser, [parse_action(a) for a in choice.actions], source=f"event:{event.id}")

    def apply_choice_effects(self, event, choice) -> None:
        """The chosen answer's own consequences (Choice.effects), noted in the cause log as the
        event's: they happen now, in the quarter the question was asked."""
        world = self.world
        if not choice.effects:
            return
        notes = [event_rules.apply_effect(world, effect, world.now) for effect in choice.effects]
        if not world.explains:
            return
        detail = effects_described(world, notes)
        world.note("action", event.chooser or "", "cause.choice_effect", title=event.title_en, title_ko=event.title_ko,
                   choice=choice.label_en, choice_ko=choice.label_ko, detail=detail["en"], detail_ko=detail["ko"],
                   event=event.id)

    # ------------------------------------------------------------------ what controllers see
    def observe(self, country_id: str) -> Observation:
        """What `country_id`'s controller sees now. What comes from the last turn's record
        (indicators, shares, prices, bottlenecks, scores) and last quarter's refusals is built
        when the controller first reads it (game.observation.Deferred): both are final by now. The
        fields are handed in the dataclass's order (`Observation.assemble` keeps the order given)."""
        world = self.world
        country = world.countries[country_id]
        record = world.record_now
        national = world.national_buyer(country_id)
        home = {a.name: {"kind": a.kind, "capacity": a.capacity, "cash": a.cash, "price": a.price,
                         "alive": a.alive, "output": a.output,
                         "building_due": a.building_due() if hasattr(a, "building_due") else 0.0,
                         "lead_time": getattr(a, "lead_time", 0)}
                for a in self.home_firms[country_id]}
        last = world.turn - 1 if world.in_turn else world.turn
        deciding = world.deciding  # the quarter this observation decides
        queued = [(ready, action) for ready, owner, action in self.pending if owner == country_id]  # as of now
        return Observation.assemble(
            country=country_id, turn=last,
            date=world.quarter_label(deciding),
            turns_left=world.turns - world.turn + (1 if world.in_turn else 0),
            budget=country.budget_per_quarter, usd_rate=country.usd_rate,
            policy=country.policy.copy(), indicators=Deferred(_seen_part, record, "indicators", 2),
            shares=Deferred(_seen_part, record, "shares", 2), prices=Deferred(_seen_part, record, "prices", 1),
            bottlenecks=Deferred(_seen_part, record, "bottleneck", 1), score=Deferred(_seen_part, record, "scores", 1),
            home_firms=home, home_industries=list(self.home_industries[country_id]),
            hosted_foundries=[f.name for f in self.hosted[country_id] if f.alive],
            national_buyer=national.name if national else None,
            plan_procurement=world.planned_procurement(country),
            levers=list(self.levers_offered[country_id]),
            ahead=Deferred(self._ahead, country_id, queued),
            waiting=Deferred(_waiting, queued, deciding),
            committed=Deferred(self._committed, country_id, queued),
            funded=self.funded_shares(country, last=world.in_turn),
            refused=Deferred(self.refusals, country_id, last),
            history=Deferred(self.accepted, country_id, last),
            prices_before=Deferred(_prices_of, world.record_of(last - 1)),
            rng=self.rngs[country_id],
            check=lambda actions: self.check_bundle(country_id, actions),
            preview=lambda actions, quarters=1, effects=(): world.preview(country_id, actions, quarters, effects),
        )

    def _ahead(self, country_id: str, queued: list):
        """The country's settings with every queued Action in force (Observation.ahead). The
        policy is read when first asked for: Actions enacted since `observe` are among `queued`,
        and only the country's own submissions change it, which a controller that asks after
        submitting has chosen to see."""
        country = self.world.countries[country_id]
        policy = country.policy.copy()
        for ready, action in queued:
            if ready > self.world.now:  # not enacted yet (queued before the quarter opened, or still waiting)
                self._apply_to_policy(action, policy, country, dry=True)
        return policy

    def _committed(self, country_id: str, queued: list) -> float:
        """What the programmes of `_ahead` cost this quarter (Observation.committed): standing
        programmes, support owed on projects under way, usage-based ones at last quarter's use."""
        world = self.world
        country = world.countries[country_id]
        policy = self._ahead(country_id, queued)
        return policy.standing_cost(world, country) + country.committed_support() + world.usage_estimate(country_id,
                                                                                                          policy)

    @staticmethod
    def funded_shares(country, last: bool = True) -> dict[str, float]:
        """Each programme's share of what it owed that the budget paid (last quarter's while a
        quarter is being decided): a programme the budget cannot fund runs at that share."""
        programmes = country.programmes_last if last else country.programmes
        return {name: paid / owed for name, (owed, paid) in programmes.items() if owed > 0}

    def accepted(self, country_id: str, turn: int) -> list[dict]:
        """The country's Actions accepted in quarters 1 to `turn` (Observation.history): what a
        strategy did, read from the Action log, which a save keeps, so a strategy that remembers
        through it plays on from a loaded game as it would have (one that keeps its own memory
        would start afresh)."""
        return [{"turn": e["turn"], "source": e["source"], "action": e["action"]}
                for e in _accepted_entries(self, country_id) if e["turn"] <= turn]

    def refusals(self, country_id: str, turn: int) -> list[dict]:
        """The country's Actions refused in quarter `turn`, with the reason (English text)."""
        return [{"action": e.get("action"), "reason": str(e["refused"])} for e in self.log
                if e["turn"] == turn and e["country"] == country_id and e.get("refused")]

    def check_bundle(self, country_id: str, actions: list) -> str | None:
        """Why this bundle would be refused, without submitting it.

        A bundle of one Action (most checks: a strategy tries its Actions one by one) is refused
        exactly when the Action is (`_refusal`), so the bundle's budget is not projected again:
        an Action's own check already refused a one-off cost beyond what is left and a programme
        that raises the cost beyond the budget, which is all the bundle's test looks at; an empty
        bundle is never refused (tests/test_speed_gov.py checks both against the full test)."""
        if type(actions) in (list, tuple) and len(actions) <= 1:
            return self._refusal(country_id, actions[0]) if actions else None
        return self._bundle_refusal(country_id, actions)

    def _bundle_refusal(self, country_id: str, actions: list) -> str | None:
        """`check_bundle`'s test of any bundle: each Action's own, then the bundle's budget."""
        for action in actions:
            reason = self._refusal(country_id, action)
            if reason:
                return reason
        world = self.world
        country = world.countries[country_id]
        lags = world.scenario.levers.lags
        now = sum(a.one_off_cost(world, country) for a in actions if lags.get(a.kind) == 0)
        programmes = self.projected_cost(country_id, list(actions), one_off=False)
        # over the budget and more than the policy without the bundle (a cut is never refused); the
        # policy without it is projected only for a bundle over the budget (the same answer: within
        # the budget, whether it raises the cost decides nothing)
        over = programmes > country.budget_per_quarter + 1e-6 and \
            programmes > self.projected_cost(country_id, [], one_off=False) + 1e-6
        if over or now > country.left + 1e-6:
            return Reason("refuse.over_budget_short")
        return None


def _waiting(queued: list, deciding: int) -> dict[str, int]:
    """Lever kind -> quarters from the quarter being decided until its earliest Action still
    waiting out its lag takes effect (Observation.waiting); an Action due as the quarter opens is
    in force, not waiting."""
    waiting: dict[str, int] = {}
    for ready, action in queued:
        if ready > deciding:
            waiting[action.kind] = min(waiting.get(action.kind, ready - deciding), ready - deciding)
    return waiting
