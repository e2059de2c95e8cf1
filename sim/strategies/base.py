"""Strategies: small policies that read what a firm observes and set its levers.

A strategy (DESIGN.md principle 4) has a ``name``, a docstring stating its rule and source,
parameters that are only stored (validated by its ``Params`` model), and one decision method,
:meth:`Strategy.decide`, which reads a frozen :class:`MarketView` and returns the levers to
change. It never touches another firm or the customers. Strategies are registered by name with
:func:`register`; scenario files refer to them by that name.

A strategy declares the levers it decides (``decides``: lever -> the parameters that drive it).
A lever a user sets for a firm (in its firm block, with ``--set``, in a sweep, by an event or on
the dashboard) that its strategy decides is *pinned*: the firm uses the user's value every
period and the strategy decides the rest; a strategy that returns a lever it did not declare is
a bug in that strategy (:func:`decided_levers`). A user's class that declares nothing is taken to
decide every lever, so nothing a user sets is ever overwritten. A user's own class is named
``module:Class`` and loads only when code is explicitly allowed (``--allow-code``).

Axelrod-Python's player classes are the model for this shape (Knight et al. 2016).
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from sim.levers import ALL_LEVERS, PROGRAM_LEVERS, LeverSet, lever_keys

__all__ = [
    "ALL_LEVERS",
    "REGISTRY",
    "MarketView",
    "Strategy",
    "StrategyParams",
    "decided_levers",
    "get_strategy_class",
    "make_strategy",
    "register",
    "validate_strategy",
]


class StrategyParams(BaseModel):
    """Base of strategy parameter models: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


@dataclass(frozen=True)
class MarketView:
    """What one firm may observe when it reviews its levers, after its observation delay.

    Attributes:
        period: the period being decided (1-based).
        firm: this firm's name.
        levers: this firm's current levers (every field set).
        unit_cost: this firm's current full unit cost (money per unit).
        history: this firm's observed rows of the time series (oldest first), each a mapping
            of the time-series columns (see docs/outputs.md); empty before the first
            observation.
        competitors: each rival's observed rows, by name (prices, shares, satisfaction...).
        needs_centroid: mean needs of the customers the firm talks to (its aware customers),
            learned through two-way communication; None without communication.
        customer_counts: this firm's current customers by value class (MVC, MGC, BZ, other)
            and ABC class, from its own customer records (real customers: whole numbers
            unless ``market.size`` differs from ``market.customers``).
        review_every: periods between this firm's reviews (what "since the last review"
            means).
        class_margin: the mean smoothed margin per period (money) of this firm's current
            customers in each value class (MVC, MGC, BZ, other), after their relationship
            costs; absent for a class without customers.
        class_level_cost: the mean cost per period (money) of the relationship level this
            firm runs for its current customers in each value class (absent as above), so
            ``class_margin + class_level_cost`` is the class's margin before that cost.
        level_costs: this firm's cost per customer and period of each relationship level.
        satisfaction_se: the standard error of the mean satisfaction of this firm's current
            customers (their standard deviation over the square root of their number, as
            simulated): the noise in its observed ``satisfaction``; 0 without customers.
    """

    period: int
    firm: str
    levers: LeverSet
    unit_cost: float
    history: tuple[Mapping[str, Any], ...] = ()
    competitors: Mapping[str, tuple[Mapping[str, Any], ...]] = field(
        default_factory=lambda: MappingProxyType({}))
    needs_centroid: tuple[float, float] | None = None
    customer_counts: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    review_every: int = 1
    class_margin: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    class_level_cost: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({}))
    level_costs: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    satisfaction_se: float = 0.0

    def last(self, column: str, default: float | None = None) -> Any:
        """This firm's latest observed value of a column (``default`` if none yet)."""
        return self.history[-1][column] if self.history else default

    def recent(self, window: int) -> tuple[Mapping[str, Any], ...]:
        """This firm's last ``window`` observed rows (fewer early in the run)."""
        return self.history[-window:] if window > 0 else ()

    def profit_over(self, window: int) -> float | None:
        """This firm's observed profit summed over its last ``window`` rows (None: no rows)."""
        rows = self.recent(window)
        return sum(r["profit"] for r in rows) if rows else None

    def cost_to_serve(self, window: int) -> float | None:
        """Observed cost per unit sold over the last ``window`` rows of goods, service,
        relationships and programs: the least price at which a unit still pays for what it
        takes to make and serve it. Promotion, fixed cost and distribution are left out: they
        are paid per period or per customer covered, whatever is sold, so per unit they grow
        as sales fall, and a floor on them would push a shrinking firm's price up and its
        sales further down. None without sales."""
        rows = self.recent(window)
        units = sum(r["units"] for r in rows)
        if units <= 0:
            return None
        return sum(r["cost_goods"] + r["cost_service"] + r["cost_relationship"]
                   + r["cost_programs"] for r in rows) / units

    def affordable_promotion(self, budget: float, window: int, least: float = 0.0) -> float:
        """The affordable method (Kotler, *Marketing Management*, setting the promotion
        budget): after ``window`` observed periods with a loss in total, promotion is what the
        last period's contribution (revenue minus every cost but promotion) leaves after the
        fixed cost, between ``least`` and ``budget``; otherwise ``budget``."""
        rows = self.recent(window)
        if len(rows) < window or (self.profit_over(window) or 0.0) >= 0:
            return budget
        last = rows[-1]
        contribution = last["profit"] + last["cost_promotion"] + last["cost_fixed"]
        return min(budget, max(least, contribution - last["cost_fixed"]))

    def rival_prices(self) -> dict[str, float]:
        """Each rival's latest observed list price."""
        return {n: rows[-1]["price"] for n, rows in self.competitors.items() if rows}

    def rival_price_cut(self, threshold: float = 0.02,
                        window: int | None = None) -> dict[str, float]:
        """Rivals whose observed price fell by more than ``threshold`` over the last ``window``
        observed periods (default: since this firm's last review): name -> relative cut."""
        window = self.review_every if window is None else window
        cuts = {}
        for n, rows in self.competitors.items():
            if len(rows) < 2:
                continue
            horizon = rows[-1]["period"] - window
            before = [r for r in rows[:-1] if r["period"] <= horizon] or [rows[0]]
            reference = before[-1]["price"]
            if reference > 0:
                cut = 1.0 - rows[-1]["price"] / reference
                if cut > threshold:
                    cuts[n] = cut
        return cuts


class Strategy:
    """Base class of every strategy.

    Subclasses set ``name``, may define a nested ``Params`` model (a :class:`StrategyParams`)
    and implement :meth:`decide`. Constructor arguments are only stored.
    """

    name: ClassVar[str] = "base"
    Params: ClassVar[type[StrategyParams]] = StrategyParams
    review_every: ClassVar[int] = 1
    """Periods between reviews (plan-do-check-act), unless the firm sets ``review_every``."""
    observation_delay: ClassVar[int] = 0
    """Periods before the firm sees market results, unless the firm sets its own."""
    decides: ClassVar[Mapping[str, str] | None] = None
    """The levers this strategy sets, each with the parameters that drive it (levers are
    :class:`~sim.levers.LeverSet` fields, the programs as ``programs.financial`` ...); None:
    undeclared, taken as every lever."""

    def __init__(self, **params: Any) -> None:
        self.params = self.Params(**params)
        self.reset()

    def reset(self) -> None:
        """Forget any memory of a previous run (subclasses with memory override)."""

    def decide(self, view: MarketView) -> dict[str, Any]:
        """Return the levers to change this period, as a mapping of LeverSet fields."""
        raise NotImplementedError

    def clone(self) -> Strategy:
        """A fresh copy with the same parameters and no memory."""
        return type(self)(**self.params.model_dump())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.model_dump().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.params == other.params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self.params.model_dump().items()))))

    def __deepcopy__(self, memo: dict) -> Strategy:
        new = type(self).__new__(type(self))
        new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new


REGISTRY: dict[str, type[Strategy]] = {}
"""Built-in strategies by name."""


def decided_levers(cls: type[Strategy]) -> frozenset[str]:
    """The levers a strategy class decides: its ``decides`` keys, every lever if undeclared.

    Raises:
        ValueError: ``decides`` names something that is not a lever.
    """
    if cls.decides is None:
        return ALL_LEVERS
    keys = set(cls.decides)
    if "programs" in keys:  # all three programs
        keys = (keys - {"programs"}) | set(PROGRAM_LEVERS)
    unknown = sorted(keys - ALL_LEVERS)
    if unknown:
        raise ValueError(f"strategy '{cls.name}' declares levers that do not exist: {unknown}"
                         f" (levers: {', '.join(sorted(ALL_LEVERS))})")
    return frozenset(keys)


def undeclared_levers(cls: type[Strategy], changes: Mapping[str, Any]) -> list[str]:
    """Levers in a strategy's decision that its class did not declare in ``decides``."""
    return sorted(lever_keys(dict(changes)) - decided_levers(cls))


def register[S: type[Strategy]](cls: S) -> S:
    """Class decorator: register a strategy under its ``name`` (its ``decides`` is checked)."""
    decided_levers(cls)
    if cls.name in REGISTRY and REGISTRY[cls.name] is not cls:
        raise ValueError(f"a strategy named {cls.name!r} is already registered")
    REGISTRY[cls.name] = cls
    return cls


def get_strategy_class(name: str, *, allow_code: bool = False) -> type[Strategy]:
    """The strategy class for a registered name, or ``module:Class`` when code is allowed."""
    if name in REGISTRY:
        return REGISTRY[name]
    if ":" in name:
        if not allow_code:
            raise ValueError(f"'{name}' is a user's strategy class; loading code needs"
                             " --allow-code")
        module_name, _, class_name = name.partition(":")
        try:
            module = importlib.import_module(module_name)
            cls = getattr(module, class_name)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"cannot load strategy class '{name}': {exc}") from None
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise ValueError(f"'{name}' is not a subclass of sim.Strategy")
        return cls
    known = ", ".join(sorted(REGISTRY))
    import difflib

    close = difflib.get_close_matches(name, list(REGISTRY), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise ValueError(f"unknown strategy '{name}'{hint} (known: {known})")


def make_strategy(name: str, params: Mapping[str, Any] | None = None, *,
                  allow_code: bool = False) -> Strategy:
    """Instantiate a strategy by name with its parameters."""
    return get_strategy_class(name, allow_code=allow_code)(**dict(params or {}))


def parameter_problems(cls: type[Strategy], params: Mapping[str, Any]) -> list[str]:
    """Problems with a strategy's parameters (``name: what is wrong``), empty if valid."""
    try:
        cls.Params(**dict(params))
    except ValidationError as exc:
        parts, unknown = [], []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                unknown.append(loc)
            else:
                parts.append(f"{loc}: {err['msg']} (got {err.get('input')!r})")
        if unknown:
            known = ", ".join(cls.Params.model_fields) or "none"
            several = len(unknown) > 1
            hint = ("; changing strategy? give the new one's params, or params: {} for its"
                    " defaults" if several else "")
            parts.insert(0, f"{', '.join(unknown)}: unknown parameter{'s' if several else ''}"
                         f" (parameters: {known}){hint}")
        return parts
    return []


def validate_strategy(name: str, params: Mapping[str, Any], *, allow_code: bool) -> str | None:
    """Problem with a strategy name and its parameters, or None if they are valid."""
    try:
        cls = get_strategy_class(name, allow_code=allow_code)
    except ValueError as exc:
        return str(exc)
    problems = parameter_problems(cls, params)
    return f"strategy '{name}': params." + "; params.".join(problems) if problems else None

