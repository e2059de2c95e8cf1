"""Customers as a population: segments become per-customer parameter arrays.

Each customer is an individual agent with its own parameters, drawn once from its segment's
distributions with the run's ``population`` stream (so every strategy arm of an experiment
faces the same customers). The population is columnar: one array per parameter, one row per
customer (DESIGN.md principle 1). :class:`CustomerView` is a read-only view of one customer.

Draws (per customer, from its segment):
- component weights ``w_k = mean_k * LogNormal(-s^2/2, s)``, ``s = sqrt(log(1 + cv^2))`` so the
  mean is ``mean_k`` and the coefficient of variation ``weight_spread``;
- base value and volume lognormal the same way; needs ``Normal(centre, spread)`` clipped to
  [0, 1]^2; appetites ``Beta`` with the segment mean and ``appetite_concentration``;
- purchase rates: the segment's, or with ``purchase_rate_concentration`` a ``Beta`` draw with the
  segment's mean from the separate ``population/purchase-rate`` stream (so switching it on
  changes no other parameter of any customer); counts of purchases over a window are then
  beta-binomial, for small rates the negative binomial distribution (NBD) of Ehrenberg (1959)
  with ``k = mean * concentration``; rates are kept at 0.001 or more;
- persistent per (firm, customer), from a stream named after the firm: a uniform deciding
  reach (the customer can buy from firm f when it is below f's distribution coverage) and a
  standard normal perception error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.market.seeding import Streams
from sim.scenario.market import MarketSpec

__all__ = ["COMPONENTS", "Population", "build_population", "lapse_periods"]

COMPONENTS = ("product", "service", "personnel", "image", "money", "time", "energy", "psychic")
"""The eight components of customer delivered value (Kotler): four values, four costs."""

F32 = np.float32


def _lognormal(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    if cv <= 0 or n == 0:
        return np.full(n, mean, dtype=F32)
    s = np.sqrt(np.log1p(cv * cv))
    return (mean * np.exp(rng.standard_normal(n) * s - 0.5 * s * s)).astype(F32)


def _beta_mean(rng: np.random.Generator, mean: float, n: int, concentration: float = 8.0):
    if mean <= 0.0 or mean >= 1.0:
        return np.full(n, mean, dtype=F32)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n).astype(F32)


@dataclass
class Population:
    """Per-customer parameter arrays (length ``n``) and per (firm slot, customer) draws.

    Attributes:
        segment: segment index of each customer (into ``segment_names``).
        business: True for business accounts (B2B).
        weights: (8, n) component weights in :data:`COMPONENTS` order.
        base_value: money per unit a perfect product is worth to the customer.
        needs: (2, n) the customer's ideal point in needs space.
        novelty_appetite, experience_appetite: 0..1.
        purchase_rate: probability of a purchase occasion per period.
        volume: units per purchase.
        word_of_mouth: propensity to talk (0..1).
        loyalty_smoothing: Guadagni-Little alpha.
        loyalty_weight: logit weight of GL loyalty.
        lapse_periods: periods of silence after which a relationship has lapsed.
        reach_draw: (slots, n) uniform; customer i can reach firm f if below f's coverage.
        perception_error: (slots, n) standard normal error of perceived value for untried firms.
    """

    segment_names: tuple[str, ...]
    segment: np.ndarray
    business: np.ndarray
    weights: np.ndarray
    base_value: np.ndarray
    needs: np.ndarray
    novelty_appetite: np.ndarray
    experience_appetite: np.ndarray
    purchase_rate: np.ndarray
    volume: np.ndarray
    word_of_mouth: np.ndarray
    loyalty_smoothing: np.ndarray
    loyalty_weight: np.ndarray
    lapse_periods: np.ndarray
    reach_draw: np.ndarray
    perception_error: np.ndarray

    @property
    def n(self) -> int:
        """Number of customers."""
        return int(self.segment.shape[0])

    def weight(self, component: str) -> np.ndarray:
        """The customers' weights on one delivered-value component."""
        return self.weights[COMPONENTS.index(component)]

    def nbytes(self) -> int:
        """Bytes held by the population's arrays."""
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))


def segment_counts(shares: list[float], n: int) -> np.ndarray:
    """Split ``n`` customers by segment shares with the largest-remainder rule (exact total)."""
    raw = np.asarray(shares, dtype=float) * n
    counts = np.floor(raw).astype(np.int64)
    short = n - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def lapse_periods(purchase_rate: np.ndarray, lapse_after: float) -> np.ndarray:
    """Periods of silence after which a relationship lapses: ``ceil(lapse_after / rate)``
    (at most 32,767, the longest silence the state records)."""
    return np.minimum(np.ceil(lapse_after / purchase_rate), 32_767).astype(np.int16)


def build_population(market: MarketSpec, firms: list[str], streams: Streams,
                     lapse_after: float) -> Population:
    """Draw every customer's parameters from its segment (vectorised per segment).

    Args:
        market: the validated market.
        firms: every firm's name (incumbents and scheduled entrants), in slot order.
        streams: the run's random streams; customer parameters come from ``population``,
            each firm's reach and perception draws from a stream named after the firm, so
            they do not depend on which other firms are in the scenario.
        lapse_after: expected inter-purchase times of silence before a relationship lapses.
    """
    n = market.customers
    rng = streams.generator("population")
    rate_rng = streams.generator("population/purchase-rate")
    names = tuple(market.segments)
    specs = list(market.segments.values())
    counts = segment_counts([s.share for s in specs], n)
    segment = np.repeat(np.arange(len(specs), dtype=np.int16), counts)
    rng.shuffle(segment)  # customers of all segments are spread over the network
    weights = np.empty((len(COMPONENTS), n), dtype=F32)
    out = {k: np.empty(n, dtype=F32) for k in (
        "base_value", "novelty_appetite", "experience_appetite", "purchase_rate", "volume",
        "word_of_mouth", "loyalty_smoothing", "loyalty_weight")}
    needs = np.empty((2, n), dtype=F32)
    business = np.zeros(n, dtype=bool)
    for k, spec in enumerate(specs):
        idx = np.flatnonzero(segment == k)
        m = idx.size
        for c, comp in enumerate(COMPONENTS):
            weights[c, idx] = _lognormal(rng, getattr(spec.weights, comp), spec.weight_spread, m)
        out["base_value"][idx] = _lognormal(rng, spec.base_value, spec.base_value_spread, m)
        out["volume"][idx] = _lognormal(rng, spec.volume, spec.volume_spread, m)
        conc = spec.appetite_concentration
        out["novelty_appetite"][idx] = _beta_mean(rng, spec.novelty_appetite, m, conc)
        out["experience_appetite"][idx] = _beta_mean(rng, spec.experience_appetite, m, conc)
        out["word_of_mouth"][idx] = _beta_mean(rng, spec.word_of_mouth, m, conc)
        if spec.purchase_rate_concentration is None or spec.purchase_rate >= 1.0:
            out["purchase_rate"][idx] = spec.purchase_rate
        else:
            out["purchase_rate"][idx] = np.maximum(_beta_mean(
                rate_rng, spec.purchase_rate, m, spec.purchase_rate_concentration), F32(1e-3))
        out["loyalty_smoothing"][idx] = spec.loyalty_smoothing
        out["loyalty_weight"][idx] = spec.loyalty_weight
        for d in range(2):
            needs[d, idx] = np.clip(
                spec.needs[d] + spec.needs_spread * rng.standard_normal(m), 0.0, 1.0)
        business[idx] = spec.kind == "business"
    reach_draw = np.empty((len(firms), n), dtype=F32)
    perception_error = np.empty((len(firms), n), dtype=F32)
    for slot, firm in enumerate(firms):
        firm_rng = streams.generator(f"firm/{firm}/customers")
        reach_draw[slot] = firm_rng.random(n, dtype=F32)
        perception_error[slot] = firm_rng.standard_normal(n, dtype=F32)
    lapse = lapse_periods(out["purchase_rate"], lapse_after)
    return Population(
        segment_names=names, segment=segment, business=business, weights=weights,
        needs=needs, lapse_periods=lapse, reach_draw=reach_draw,
        perception_error=perception_error, **out)
