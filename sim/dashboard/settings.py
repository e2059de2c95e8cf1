"""The dashboard's settings: what the controls say, and the scenario they make.

Pure Python (no Solara): unit-tested without a browser (tests/dashboard/test_state.py).

Core objects:
    DashboardSettings: what the controls say (a scenario file, the market's size, horizon,
        seed and segment mix, and each firm's strategy and main levers); frozen.
    FirmControls, MarketControls: one firm's strategy and levers; the market's size, horizon,
        seed and segment mix.
    SettingsError: the controls describe an invalid scenario (its ``problems``, one line each).

The settings change a scenario only where the controls differ from it (``build_scenario``):
events, costs, behaviour constants and every other lever stay as the file says.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from sim.scenario.firms import FirmSpec
from sim.scenario.loader import scenario_from_dict
from sim.scenario.spec import Scenario
from sim.strategies import REGISTRY, decided_levers, get_strategy_class

__all__ = [
    "BY_CLASS",
    "STRATEGY_CHOICES",
    "DashboardSettings",
    "FirmControls",
    "MarketControls",
    "SettingsError",
    "build_scenario",
    "settings_from_scenario",
    "strategy_summary",
]

BY_CLASS = "by customer class (as in the scenario)"
"""Relationship-level choice that keeps a scenario's per-class mapping."""
STRATEGY_CHOICES: tuple[str, ...] = tuple(REGISTRY)
"""Strategies a firm can be given on the page: the built-in, registered ones."""

# Control ranges shown on the page (the scenario schema's own bounds are wider).
PRICE_RANGE = (10.0, 300.0)
PROMOTION_RANGE = (0.0, 50_000.0)
CUSTOMER_RANGE = (500, 50_000)
PERIOD_RANGE = (6, 240)
FINANCIAL_MAX = 0.2
"""Highest points rate offered on the page (the schema allows 0.5)."""


class SettingsError(ValueError):
    """The controls describe an invalid scenario; ``problems`` says why, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class FirmControls:
    """One firm's strategy and main levers as the page shows them.

    They show where the firm's levers start. A lever moved on the page is pinned
    (:func:`build_scenario`): the firm uses it every period, and a 4P, 4C or 4R strategy decides
    the levers left alone. With ``fixed`` every lever stays as set.
    """

    name: str
    strategy: str
    price: float
    """List price, money per unit."""
    quality: float
    """Product quality, 0..1."""
    promotion: float
    """Promotion spending, money per period."""
    convenience: float
    """Lowers the customers' time and energy cost, 0..1."""
    relationship_level: str
    """One of Kotler's five levels, or :data:`BY_CLASS` (the scenario's class mapping)."""
    financial: float = 0.0
    """Financial retention program: points worth this fraction of spend (Berry)."""
    social: float = 0.0
    """Social retention program: personalised service, 0..1."""
    structural: float = 0.0
    """Structural retention program: equipment, software, training, 0..1."""
    entry_period: int = 0
    """0 for an incumbent; the period an entrant enters (through a scenario event)."""


@dataclass(frozen=True)
class MarketControls:
    """The market's size, the run's horizon and seed, and the segment mix."""

    customers: int
    periods: int
    seed: int
    segments: tuple[tuple[str, float], ...]
    """(segment, weight) pairs; weights are normalised to shares when the scenario is built,
    and a segment of weight 0 is left out."""

    def shares(self) -> dict[str, float]:
        """Each segment's share of customers (weights normalised; zero weights dropped)."""
        total = sum(w for _, w in self.segments if w > 0)
        if total <= 0:
            return {}
        return {name: w / total for name, w in self.segments if w > 0}


@dataclass(frozen=True)
class DashboardSettings:
    """Everything the controls say: the scenario file, the market, each firm."""

    scenario: str
    """Key of the scenario in the catalogue (its file's stem)."""
    market: MarketControls
    firms: tuple[FirmControls, ...]

    def firm(self, name: str) -> FirmControls:
        """The controls of one firm."""
        for f in self.firms:
            if f.name == name:
                return f
        raise KeyError(name)

    def with_firm(self, name: str, **changes: Any) -> DashboardSettings:
        """These settings with some of one firm's controls changed."""
        self.firm(name)  # raises KeyError for an unknown firm
        firms = tuple(replace(f, **changes) if f.name == name else f for f in self.firms)
        return replace(self, firms=firms)

    def with_market(self, **changes: Any) -> DashboardSettings:
        """These settings with some market controls changed."""
        return replace(self, market=replace(self.market, **changes))

    def with_segment(self, segment: str, weight: float) -> DashboardSettings:
        """These settings with one segment's weight changed."""
        names = [n for n, _ in self.market.segments]
        if segment not in names:
            raise KeyError(segment)
        segments = tuple((n, float(weight) if n == segment else w)
                         for n, w in self.market.segments)
        return self.with_market(segments=segments)


def _firm_controls(name: str, spec: FirmSpec, entry_period: int = 0) -> FirmControls:
    """The controls of a firm: its levers at the start (written directly or under ``initial``)."""
    levers = spec.levers()
    level = levers.relationship_level
    return FirmControls(
        name=name, strategy=spec.strategy, price=float(levers.price),
        quality=float(levers.quality), promotion=float(levers.promotion),
        convenience=float(levers.convenience),
        relationship_level=level if isinstance(level, str) else BY_CLASS,
        financial=float(levers.programs.financial), social=float(levers.programs.social),
        structural=float(levers.programs.structural), entry_period=entry_period)


def settings_from_scenario(key: str, scenario: Scenario) -> DashboardSettings:
    """The controls as a scenario sets them (incumbents, then entrants in order of entry)."""
    firms = [_firm_controls(name, spec) for name, spec in scenario.firms.items()]
    firms += [_firm_controls(ev.add_firm.name, ev.add_firm, ev.period)
              for ev in sorted(scenario.events, key=lambda e: e.period) if ev.add_firm]
    market = MarketControls(
        customers=scenario.market.customers, periods=scenario.periods, seed=scenario.seed,
        segments=tuple((n, round(s.share * 100.0, 6))
                       for n, s in scenario.market.segments.items()))
    return DashboardSettings(scenario=key, market=market, firms=tuple(firms))


def _apply_firm(target: dict[str, Any], base: FirmSpec, controls: FirmControls) -> None:
    """Write a firm's controls into its scenario data, where they differ from ``base``.

    A lever the page changes is set directly and pinned (sim.scenario.firms): the firm uses it
    every period, so moving a slider for a 4P, 4C or 4R firm changes what the firm does; the
    strategy decides the levers the page leaves alone. A strategy chosen on the page decides
    every lever it declares but those the page changes.
    """
    start = base.levers()
    changed: dict[str, Any] = {}
    for key in ("price", "quality", "promotion", "convenience"):
        value = getattr(controls, key)
        if not math.isclose(value, float(getattr(start, key)), rel_tol=1e-9, abs_tol=1e-12):
            changed[key] = value
    if controls.relationship_level != BY_CLASS and (
            controls.relationship_level != start.relationship_level):
        changed["relationship_level"] = controls.relationship_level
    for key in ("financial", "social", "structural"):
        value = getattr(controls, key)
        if not math.isclose(value, float(getattr(start.programs, key)), abs_tol=1e-12):
            changed[f"programs.{key}"] = value
    pinned = set(base.pinned_levers())
    if controls.strategy != base.strategy:
        target["strategy"] = controls.strategy
        target["params"] = {}  # the scenario's parameters belong to its own strategy
        pinned = set()  # the new strategy takes over the levers it decides
    initial = target.get("initial") or {}
    for lever, value in changed.items():
        if lever.startswith("programs."):
            name = lever.partition(".")[2]
            target["programs"] = {**(target.get("programs") or {}), name: value}
            if isinstance(initial.get("programs"), dict):
                initial["programs"].pop(name, None)
        else:
            target[lever] = value
            initial.pop(lever, None)
    decided = decided_levers(get_strategy_class(controls.strategy, allow_code=True))
    target["pinned"] = sorted((pinned | set(changed)) & decided)


def _problem_lines(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        for line in message.splitlines():
            lines.append(f"{loc}: {line}" if loc else line)
    return lines


def build_scenario(base: Scenario, settings: DashboardSettings) -> Scenario:
    """The scenario ``base`` with the settings applied (a new, validated scenario).

    Only what the controls change is changed. Events after the last period are dropped (they
    would never happen), and with a shorter horizon so are a lesson's expectations (claims
    about the whole run, for ``stratsim check``). Raises :class:`SettingsError` when the result
    is not valid.
    """
    data = base.model_dump(mode="json")
    market = settings.market
    data["periods"] = int(market.periods)
    data["seed"] = int(market.seed)
    data["market"]["customers"] = int(market.customers)
    shares = market.shares()
    if not shares:
        raise SettingsError(["market.segments: at least one segment needs a share above 0"])
    segments = data["market"]["segments"]
    data["market"]["segments"] = {name: {**segments[name], "share": share}
                                  for name, share in shares.items()}
    data["events"] = [ev for ev in data["events"] if ev["period"] <= market.periods]
    if market.periods < base.periods and data.get("expectations"):
        # a lesson's claims (for `stratsim check`) are about the file's whole horizon
        data["expectations"] = []
    entrants = {ev.add_firm.name: (k, ev.add_firm) for k, ev in enumerate(base.events)
                if ev.add_firm}
    kept_entrants = {ev["add_firm"]["name"]: ev["add_firm"] for ev in data["events"]
                     if ev.get("add_firm")}
    for controls in settings.firms:
        if controls.name in base.firms:
            _apply_firm(data["firms"][controls.name], base.firms[controls.name], controls)
        elif controls.name in kept_entrants:
            _apply_firm(kept_entrants[controls.name], entrants[controls.name][1], controls)
    try:
        return scenario_from_dict(data)
    except ValidationError as exc:
        raise SettingsError(_problem_lines(exc)) from None


def strategy_summary(name: str) -> str:
    """The first paragraph of a strategy's docstring: its rule in a sentence or two."""
    doc = (REGISTRY[name].__doc__ or "").strip() if name in REGISTRY else ""
    return " ".join(doc.split("\n\n", 1)[0].split())
