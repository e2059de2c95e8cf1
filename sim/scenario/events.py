"""Scheduled events in a scenario file: at a period, change a firm's levers or strategy, let a
new firm enter, or change the market (a recession, drifting needs).

A ``set`` on a firm run by a strategy pins the levers it sets from that period on (the strategy
decides the rest); ``release`` hands pinned levers back to the strategy.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from sim.levers import ALL_LEVERS, LeverSet, Name, Strict
from sim.scenario.firms import NewFirm

__all__ = ["EventSpec", "MarketChange"]


class MarketChange(Strict):
    """A change in the market at some period (a recession, drifting needs)."""

    money_weight: float | None = Field(
        None, gt=0, le=10, description="multiply every customer's money weight (a recession)")
    needs_shift: tuple[float, float] | None = Field(
        None, description="move every customer's needs by (dx, dy), clipped to [0,1]")
    purchase_rate: float | None = Field(
        None, gt=0, le=10, description="multiply every customer's purchase rate (capped at 1)")


class EventSpec(Strict):
    """A scheduled event: at ``period``, do exactly one action."""

    period: int = Field(..., ge=1, description="period at which the event takes effect")
    firm: Name | None = Field(None, description="the firm concerned (for set, release and"
                             " strategy)")
    set: LeverSet | None = Field(
        None, description="set these levers of the firm (a strategy that decides them keeps"
        " them from this period on: they are pinned)")
    release: list[str] | None = Field(
        None, description="hand these pinned levers back to the firm's strategy (programs one"
        " by one: programs.financial ...)")
    strategy: str | None = Field(None, description="switch the firm to this strategy")
    params: dict[str, Any] | None = Field(None, description="parameters of the new strategy")
    add_firm: NewFirm | None = Field(None, description="a new firm enters the market")
    market: MarketChange | None = Field(None, description="change the market")

    @model_validator(mode="after")
    def _one_action(self) -> EventSpec:
        actions = [k for k in ("set", "release", "strategy", "add_firm", "market")
                   if getattr(self, k) is not None]
        if len(actions) != 1:
            raise ValueError("an event needs exactly one of set, release, strategy, add_firm,"
                             f" market (got {actions or 'none'})")
        if actions[0] in ("set", "release", "strategy") and not self.firm:
            raise ValueError(f"a '{actions[0]}' event needs 'firm'")
        if self.params is not None and self.strategy is None:
            raise ValueError("'params' goes with 'strategy'")
        unknown = sorted(set(self.release or ()) - ALL_LEVERS)
        if unknown:
            raise ValueError(f"release: unknown levers {unknown}; levers:"
                             f" {', '.join(sorted(ALL_LEVERS))}")
        return self

