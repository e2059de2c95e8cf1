"""The whole scenario: market, firms, events, horizon, and the checks that span them.

A scenario is YAML (loaded safely by :mod:`sim.scenario.yamlfile`) validated into
:class:`Scenario`, a frozen pydantic model. Every default of the model lives in the schema
(:mod:`sim.scenario.market`, :mod:`sim.scenario.firms`, :mod:`sim.scenario.events` and this
module), as a field default with its unit and source in the field's description; the
documentation's field reference is generated from it. A run writes the fully resolved scenario
(every default filled in, plus the seed and the stratsim version) so that running that file
reproduces the run exactly (DESIGN.md principle 5).

The cross-field checks here need the whole file: events and expectations name firms that
exist at that point and periods inside the horizon; class maps name known classes; strategy
switches name known strategies; and the market must fit in this machine's memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from sim.columns import COLUMNS
from sim.levers import Label, LeverSet, Name, Strict, class_map_dimension
from sim.scenario.calibration import CalibrationSpec
from sim.scenario.events import EventSpec
from sim.scenario.expectation import CheckSpec, Expectation
from sim.scenario.firms import FirmSpec
from sim.scenario.market import MarketSpec
from sim.scenario.memory import available_memory, estimate_bytes
from sim.strategies import validate_strategy

__all__ = ["Scenario"]


class Scenario(Strict):
    """A whole scenario: market, firms, events, horizon."""

    name: Label = Field("scenario", description="scenario name")
    description: str = Field("", description="what the scenario is about")
    periods: int = Field(60, ge=1, le=10_000, description="number of periods to simulate")
    period_unit: Label = Field("month", description="what one period is")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="random seed of the run")
    discount_rate: float = Field(
        0.01, ge=0.0, le=1.0, description="discount rate per period for discounted profit and CLV"
        " (about 12.7% a year for monthly periods)")
    market: MarketSpec = Field(default_factory=MarketSpec)
    firms: dict[Name, FirmSpec] = Field(..., description="the competing firms, by name")
    events: list[EventSpec] = Field(default_factory=list, description="scheduled events")
    check: CheckSpec = Field(default_factory=CheckSpec,
                             description="how `stratsim check` runs the expectations")
    expectations: list[Expectation] = Field(
        default_factory=list, description="the lesson's claims, checked by `stratsim check`")
    calibration: CalibrationSpec | None = Field(
        None, exclude=True, description="what `stratsim calibrate` fits the market to, and the"
        " fields it may move (not part of a run: left out of resolved scenarios)")
    stratsim_version: str | None = Field(None, description="version that resolved this file")

    @field_validator("firms")
    @classmethod
    def _firms(cls, v: dict[str, FirmSpec]) -> dict[str, FirmSpec]:
        if not v:
            raise ValueError("at least one firm is needed")
        return v

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Scenario:
        context: Mapping[str, Any] = info.context or {}
        allow_code = bool(context.get("allow_code", False))
        segments = list(self.market.segments)
        errors: list[str] = []
        names = list(self.firms)

        def check_firm(where: str, firm: FirmSpec | LeverSet) -> None:
            for field in ("relationship_level", "discount"):
                value = getattr(firm, field)
                if isinstance(value, dict):
                    try:
                        class_map_dimension(list(value), segments)
                    except ValueError as exc:
                        errors.append(f"{where}.{field}: {exc}")

        for name, firm in self.firms.items():
            check_firm(f"firms.{name}", firm)
        in_time = sorted(enumerate(self.events), key=lambda item: (item[1].period, item[0]))
        for k, ev in in_time:
            where = f"events.{k}"
            if ev.period > self.periods:
                errors.append(f"{where}.period: after the last period {self.periods}")
            if ev.add_firm is not None:
                if ev.add_firm.name in names:
                    errors.append(f"{where}.add_firm.name: firm '{ev.add_firm.name}' exists")
                names.append(ev.add_firm.name)
                check_firm(f"{where}.add_firm", ev.add_firm)
            elif ev.firm is not None and ev.firm not in names:
                errors.append(f"{where}.firm: no firm '{ev.firm}' exists at that point;"
                              f" firms are {names}")
            if ev.set is not None:
                check_firm(f"{where}.set", ev.set)
            if ev.strategy is not None:
                problem = validate_strategy(ev.strategy, ev.params or {}, allow_code=allow_code)
                if problem:
                    errors.append(f"{where}.strategy: {problem}")
        for k, e in enumerate(self.expectations):
            for side in e.sides():
                column, _, firm = side.partition("@")
                base = column.removesuffix("_share")
                if column not in COLUMNS and base not in COLUMNS:
                    errors.append(f"expectations.{k}: unknown column '{column}' in {side!r}"
                                  " (see docs/outputs.md; counts also as <count>_share)")
                if firm not in names:
                    errors.append(f"expectations.{k}: no firm '{firm}' in {side!r}; firms are"
                                  f" {names}")
            for field in ("at", "right_at"):
                p = getattr(e, field)
                if p is not None and p > self.periods:
                    errors.append(f"expectations.{k}.{field}: after the last period"
                                  f" {self.periods}")
            for field in ("over", "right_over"):
                span = getattr(e, field)
                if span is not None and span[1] > self.periods:
                    errors.append(f"expectations.{k}.{field}: after the last period"
                                  f" {self.periods}")
        if len(names) > 60:
            errors.append(f"firms: at most 60 firms in one market (got {len(names)})")
        if not errors:
            need = estimate_bytes(self.market.customers, len(names), self.market.network.kind,
                                  self.market.network.degree)
            have = available_memory()
            if have and need > 0.8 * have:
                errors.append(
                    f"market.customers: a market of {self.market.customers:,} customers and"
                    f" {len(names)} firms needs about {need / 2**30:.1f} GiB; this machine has"
                    f" {have / 2**30:.1f} GiB available")
        if errors:
            raise ValueError("\n".join(errors))
        return self

    def all_firm_names(self) -> list[str]:
        """Incumbents then entrants, in order."""
        return list(self.firms) + [e.add_firm.name for e in self.events if e.add_firm]
