"""fixed: the levers as written in the scenario (with its scheduled events)."""

from __future__ import annotations

from typing import Any, ClassVar

from sim.strategies.base import MarketView, Strategy, register


@register
class Fixed(Strategy):
    """Keep every lever as the scenario sets it; change only through scheduled events.

    For classroom what-if questions: the instructor fixes the mix, the students change one
    lever and compare. Source: MODEL.md section 4.
    """

    name = "fixed"
    review_every = 1
    observation_delay = 0
    decides: ClassVar[dict[str, str]] = {}

    def decide(self, view: MarketView) -> dict[str, Any]:
        return {}
