"""The page's inputs: every slider with its value in its label, typed numbers checked against
their range, and each problem placed beside the input it concerns.

Pure Python (no Solara): unit-tested without a browser (tests/dashboard/test_inputs.py); the
sidebar and the run controls draw what this module describes.

Core objects:
    SliderSpec, firm_sliders, market_sliders, run_sliders: the page's sliders. A slider's label
        always says its current value (``Price: 68 per unit``), so a class reads the setting
        without dragging the thumb.
    WholeNumber: a typed whole number with its range. What cannot be used is never ignored:
        :meth:`WholeNumber.check` says what is wrong, with the range (``must be 500 to 50,000
        (got 60,000)``), and the page shows that under the input.
    problems_at: the settings' problems about one part of the scenario (``market.``,
        ``firms.Alpha.``), to show in that part's card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.dashboard.settings import (
    FINANCIAL_MAX,
    PERIOD_RANGE,
    PRICE_RANGE,
    PROMOTION_RANGE,
    FirmControls,
    MarketControls,
)

__all__ = [
    "PLAY_INTERVAL_RANGE",
    "RENDER_INTERVAL_RANGE",
    "SAMPLE_SIZE_RANGE",
    "SEGMENT_PREFIX",
    "SliderSpec",
    "WholeNumber",
    "firm_sliders",
    "market_sliders",
    "problems_at",
    "run_sliders",
]

PLAY_INTERVAL_RANGE = (0, 1000, 50)
"""Pause between periods while playing: lowest, highest, step (milliseconds)."""
RENDER_INTERVAL_RANGE = (1, 12, 1)
"""Periods run per redraw: lowest, highest, step."""
SAMPLE_SIZE_RANGE = (50, 600, 50)
"""Customers drawn in the network view: lowest, highest, step."""
SEGMENT_PREFIX = "segment:"
"""Key prefix of a segment-weight slider (``segment:follower``)."""


@dataclass(frozen=True)
class SliderSpec:
    """One slider: what it sets (``key``), its label with the current value, and its range."""

    key: str
    label: str
    value: float
    low: float
    high: float
    step: float
    whole: bool = False
    """A whole-number slider (drawn as an integer slider)."""


def firm_sliders(f: FirmControls) -> list[SliderSpec]:
    """A firm's lever sliders, in page order; ``key`` is the :class:`FirmControls` field."""
    return [
        SliderSpec("price", f"Price: {f.price:,.0f} per unit", f.price, *PRICE_RANGE, 1.0),
        SliderSpec("quality", f"Quality: {f.quality:.2f}", f.quality, 0.0, 1.0, 0.05),
        SliderSpec("promotion", f"Promotion: {f.promotion:,.0f} per period", f.promotion,
                   *PROMOTION_RANGE, 500.0),
        SliderSpec("convenience", f"Convenience: {f.convenience:.2f}", f.convenience, 0.0,
                   1.0, 0.05),
        SliderSpec("financial", f"Financial (points): {f.financial:.0%} of spend", f.financial,
                   0.0, FINANCIAL_MAX, 0.01),
        SliderSpec("social", f"Social (personal service): {f.social:.1f}", f.social, 0.0, 1.0,
                   0.1),
        SliderSpec("structural", f"Structural (equipment, training): {f.structural:.1f}",
                   f.structural, 0.0, 1.0, 0.1),
    ]


def market_sliders(m: MarketControls) -> list[SliderSpec]:
    """The market's sliders: the horizon, then one weight per segment (``key``
    ``segment:<name>``), whose label gives the weight and the share of customers it makes."""
    shares = m.shares()
    out = [SliderSpec("periods", f"Periods: {m.periods}", m.periods, *PERIOD_RANGE, 6,
                      whole=True)]
    for name, weight in m.segments:
        out.append(SliderSpec(
            f"{SEGMENT_PREFIX}{name}",
            f"{name.replace('_', ' ')}: weight {weight:,.0f} · {shares.get(name, 0.0):.0%}",
            weight, 0.0, 100.0, 1.0))
    return out


def run_sliders(play_interval_ms: int, render_interval: int,
                sample_size: int) -> list[SliderSpec]:
    """The run controls' sliders: the pause between periods while playing, the periods per
    redraw, and how many customers the network view draws."""
    return [
        SliderSpec("play_interval", f"Pause between periods: {play_interval_ms:,} ms",
                   play_interval_ms, *PLAY_INTERVAL_RANGE, whole=True),
        SliderSpec("render_interval", f"Periods per redraw: {render_interval}",
                   render_interval, *RENDER_INTERVAL_RANGE, whole=True),
        SliderSpec("sample_size", f"Customers drawn in the network: {sample_size:,}",
                   sample_size, *SAMPLE_SIZE_RANGE, whole=True),
    ]


@dataclass(frozen=True)
class WholeNumber:
    """A whole number typed into the page, with its range (``high`` None: no upper bound
    worth showing; ``limit`` still caps it)."""

    label: str
    low: int
    high: int | None = None
    limit: int = 2**63 - 1
    """Largest value accepted when ``high`` is None."""

    @property
    def hint(self) -> str:
        """The range, as the page shows it under the input."""
        if self.high is None:
            return f"a whole number, {self.low:,} or more"
        return f"{self.low:,} to {self.high:,}"

    def check(self, text: str | None) -> tuple[int | None, str | None]:
        """The number typed, or why it cannot be used: ``(value, None)`` or ``(None, problem)``.

        Thousands separators and spaces are allowed (``5,000``); anything that is not a whole
        number, or outside the range, is a problem that says the range.
        """
        raw = (text or "").strip()
        cleaned = raw.replace(",", "").replace("_", "").replace(" ", "")
        if not cleaned:
            return None, f"type a number: {self.hint}"
        try:
            value = int(cleaned)
        except ValueError:
            try:
                number = float(cleaned)
            except ValueError:
                return None, f"not a number (got {raw!r}): {self.hint}"
            if not number.is_integer():
                return None, f"must be a whole number (got {raw}): {self.hint}"
            value = int(number)
        high = self.limit if self.high is None else self.high
        if value < self.low or value > high:
            return None, f"must be {self.hint} (got {value:,})"
        return value, None


def problems_at(problems: Sequence[str], prefixes: Sequence[str]) -> list[str]:
    """The problems whose location starts with one of ``prefixes`` (``market.``,
    ``firms.Alpha.``), location kept: what the card for that part of the scenario shows."""
    return [p for p in problems if any(p.startswith(prefix) for prefix in prefixes)]
