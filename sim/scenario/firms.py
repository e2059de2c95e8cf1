"""Firms in a scenario file: a firm's strategy, its initial marketing mix and its costs.

Every lever has a cost (MODEL.md section 3). The strategy is named here and checked against the
strategy registry (:mod:`sim.strategies`), with its parameters checked against the strategy's
``Params`` model.

**Levers mean what they say.** A lever written in a firm's block (or set there by ``--set``,
a sweep, a sensitivity analysis or the dashboard) that the firm's strategy decides is *pinned*:
the firm uses it every period and the strategy decides the other levers. A starting value the
strategy may change goes under ``initial``. The validated firm lists its pinned levers in
``pinned``, so a resolved scenario (or any dump of the model) carries them exactly.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from sim.levers import (
    LEVER_NAMES,
    ClassMapFraction,
    ClassMapLevel,
    Level,
    LeverSet,
    Money,
    Name,
    NonNeg,
    Offering,
    Programs,
    Strict,
    Unit,
)
from sim.strategies import ALL_LEVERS, decided_levers, get_strategy_class, parameter_problems

__all__ = ["ExitRule", "FirmCosts", "FirmSpec", "NewFirm", "written_levers"]


class ExitRule(Strict):
    """When a firm leaves the market: after ``periods`` periods in a row with a loss larger
    than ``loss`` (money per period). Its customers lapse and it books nothing more."""

    periods: int = Field(..., ge=1, le=1200, description="periods in a row of losses before"
                         " the firm exits")
    loss: Money = Field(0.0, description="a period counts as a loss when profit is below"
                        " minus this (money per period; 0: any loss)")


def _default_relationship_costs() -> dict[str, float]:
    return {"basic": 0.0, "reactive": 0.5, "accountable": 2.0, "proactive": 20.0,
            "partnership": 160.0}


class FirmCosts(Strict):
    """A firm's cost structure: every lever has a cost (money)."""

    unit_cost: Money = Field(30.0, description="cost of goods per unit at quality 0, commodity"
                           " level, initial position")
    quality_cost: NonNeg = Field(0.6, description="unit cost rises by this fraction at quality 1")
    customisation_cost: NonNeg = Field(
        0.1, description="unit cost rise per unit of distance the position moves away from the"
        " firm's initial position (customisation)")
    coverage: Money = Field(0.5, description="per period, per customer covered by distribution")
    convenience: Money = Field(6.0, description="per unit sold at convenience 1")
    service: Money = Field(8.0, description="per unit sold at service level 1")
    personnel: Money = Field(4.0, description="per unit sold at personnel quality 1")
    communication: Money = Field(3.0, description="per period, per active customer at full"
                                 " two-way communication")
    recovery: Money = Field(25.0, description="per service failure recovered")
    relationship: dict[Level, Money] = Field(
        default_factory=lambda: _default_relationship_costs(),
        description="per period, per active customer at each relationship level (does not"
        " shrink with the customer's size: a key-account team)")
    social: Money = Field(3.0, description="per period, per active customer at full social")
    structural: Money = Field(4.0, description="per period, per active customer at full"
                              " structural program")
    fixed: Money = Field(10_000.0, description="fixed cost per period")

    @field_validator("relationship", mode="before")
    @classmethod
    def _over_defaults(cls, v: object) -> object:
        """A partial ``relationship`` block changes only the levels it names."""
        if isinstance(v, dict):
            return {**_default_relationship_costs(), **v}
        return v


class FirmSpec(Strict):
    """A firm: its strategy, its initial marketing mix, and its costs."""

    strategy: str = Field("fixed", description="strategy name (4P, 4C, 4R, fixed) or, with"
                          " --allow-code, module:Class")
    params: dict[str, Any] = Field(default_factory=dict, description="strategy parameters")
    review_every: int | None = Field(
        None, ge=1, le=120, description="periods between reviews (plan-do-check-act);"
        " default: the strategy's own (4P and 4C: 3, 4R and fixed: 1)")
    observation_delay: int | None = Field(
        None, ge=0, le=24, description="periods before the firm sees market results;"
        " default: the strategy's own (4P and 4C: 1, 4R and fixed: 0)")
    quality: Unit = Field(0.7, description="product quality (0..1)")
    position: tuple[Unit, Unit] = Field((0.5, 0.5), description="offer's position in needs space")
    novelty: Unit = Field(0.3, description="novelty of the offer (0..1)")
    offering: Offering = Field("goods", description="offering level (experience economy)")
    price: Money = Field(100.0, description="list price, money per unit")
    discount: ClassMapFraction = Field(0.0, description="fraction off the list price, by class")
    coverage: Unit = Field(0.85, description="share of customers who can reach the firm")
    convenience: Unit = Field(0.5, description="lowers customers' time and energy cost (0..1)")
    promotion: Money = Field(8_000.0, description="promotion spending, money per period")
    goodwill: Money | None = Field(
        None, description="initial goodwill stock (money); default: the steady state of the"
        " initial promotion, promotion / goodwill_decay")
    service: Unit = Field(0.5, description="service level (0..1)")
    personnel: Unit = Field(0.5, description="personnel quality (0..1)")
    recovery: Unit = Field(0.2, description="share of service failures recovered")
    communication: Unit = Field(0.2, description="two-way communication intensity (0..1)")
    relationship_level: ClassMapLevel = Field("basic", description="Kotler's relationship level")
    programs: Programs = Field(default_factory=Programs)
    cross_sell: Unit = Field(0.0, description="cross-selling intensity toward loyal customers")
    initial: LeverSet | None = Field(
        None, description="starting values of levers the strategy decides: it may change them"
        " from its first review (a lever written directly in the firm's block is pinned"
        " instead: the firm keeps it every period)")
    pinned: list[str] | None = Field(
        None, description="levers the strategy may not change (programs one by one:"
        " programs.financial ...); default: every lever written directly in this block that the"
        " strategy decides")
    costs: FirmCosts = Field(default_factory=FirmCosts)
    exit: ExitRule | None = Field(
        None, description="leave the market after a run of losses (default: never)")

    @model_validator(mode="before")
    @classmethod
    def _pin_written_levers(cls, data: Any, info: ValidationInfo) -> Any:
        """Derive ``pinned`` from the levers written in the block (unless it is given)."""
        if not isinstance(data, dict) or data.get("pinned") is not None:
            return data
        written = written_levers(data)
        initial = data.get("initial")
        if isinstance(initial, dict):
            twice = sorted(written & written_levers(initial))
            if twice:
                raise ValueError(
                    f"{', '.join(twice)} written both directly and under initial; write each"
                    " lever once: directly to pin it (the strategy keeps it), under initial to"
                    " give a starting value the strategy may change")
        try:
            strategy = get_strategy_class(str(data.get("strategy", "fixed")), allow_code=bool(
                (info.context or {}).get("allow_code", False)))
            decided = decided_levers(strategy)
        except (ValueError, TypeError):  # an unknown strategy is reported at its field
            return data
        return {**data, "pinned": sorted(written & decided)}

    @field_validator("pinned")
    @classmethod
    def _known_levers(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        unknown = sorted(set(v) - ALL_LEVERS)
        if unknown:
            raise ValueError(f"unknown levers {unknown}; levers: {', '.join(sorted(ALL_LEVERS))}")
        return sorted(set(v))

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, v: str, info: ValidationInfo) -> str:
        get_strategy_class(v, allow_code=bool((info.context or {}).get("allow_code", False)))
        return v

    @field_validator("params")
    @classmethod
    def _strategy_params(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        name = info.data.get("strategy")
        if name is None:  # the strategy itself is invalid: reported there
            return v
        strategy = get_strategy_class(name, allow_code=bool(
            (info.context or {}).get("allow_code", False)))
        problems = parameter_problems(strategy, v)
        if problems:
            raise ValueError(f"strategy '{name}': " + "; ".join(problems))
        return v

    def levers(self) -> LeverSet:
        """The firm's levers at the start: those written directly, then ``initial`` over them."""
        values = {k: getattr(self, k) for k in LeverSet.model_fields}
        values["programs"] = self.programs.model_dump()
        if self.initial is not None:
            start = self.initial.model_dump(exclude_none=True)
            values["programs"] = {**values["programs"], **start.pop("programs", {})}
            values.update(start)
        return LeverSet(**values)

    def pinned_levers(self) -> frozenset[str]:
        """The levers the firm's strategy may not change (see the module docstring)."""
        return frozenset(self.pinned or ())


def written_levers(block: dict[str, Any]) -> set[str]:
    """The levers a firm block (or an ``initial`` or ``set`` block) writes, as raw data: lever
    names, with ``programs`` split into ``programs.<name>``."""
    keys = {k for k in block if k in LEVER_NAMES and k != "programs"}
    programs = block.get("programs")
    if isinstance(programs, dict):
        keys |= {f"programs.{k}" for k in programs}
    elif "programs" in block:
        keys.add("programs")
    return keys


class NewFirm(FirmSpec):
    """A firm entering the market through an event."""

    name: Name = Field(..., description="the entrant's name")

