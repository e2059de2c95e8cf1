"""Customer classes: how a firm classifies its customers, and levers given per class.

The classification rules (MODEL.md sections 3 and 6):

- **ABC classes** by cumulative sales (smoothed revenue per customer): the customers making the
  first 75% of the firm's sales are A, the next 20% B, the last 5% C (Kotler's 75/20/5).
- **Value classes** (Kotler): *BZ* below-zero customers (smoothed margin < 0), *MVC* the most
  valuable (the top ``mvc_share`` of the rest by smoothed margin), *MGC* the most growable (the
  top ``mgc_share`` by unrealised potential: potential margin times the share of the customer's
  purchases the firm does not get, 1 - L), *other* the rest.

A firm classifies its current customers at each review (:func:`classify_customers`). Levers
such as ``relationship_level`` and ``discount`` may be given per class (segments, ABC, value
or loyalty classes, see :func:`sim.levers.class_map_dimension`); :func:`resolve_class_map`
turns such a mapping into one value per customer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.levers import ABC_CLASSES, LEVELS, LOYALTY_CLASSES, VALUE_CLASSES, class_map_dimension
from sim.scenario.market import BehaviourSpec

if TYPE_CHECKING:
    from sim.market.firm import Firm
    from sim.market.population import Population
    from sim.market.state import CustomerState

__all__ = ["ABC_CODES", "LEVEL_EFFECTS", "VALUE_CODES", "abc_classes", "classify_customers",
           "level_costs", "level_effects", "relationship_levels", "resolve_class_map",
           "value_classes"]

F32 = np.float32
ABC_CODES = {"A": 0, "B": 1, "C": 2}
VALUE_CODES = {"MVC": 0, "MGC": 1, "BZ": 2, "other": 3}
LEVEL_EFFECTS = ("service_uplift", "trust_gain", "commitment", "recovery", "cocreation",
                 "psychic_relief")
"""What a relationship level does for a customer (fields of ``behaviour.levels``)."""


def abc_classes(sales: np.ndarray, members: np.ndarray, a: float = 0.75,
                b: float = 0.95) -> np.ndarray:
    """ABC class codes (A=0, B=1, C=2) by cumulative sales among ``members`` (others C).

    Customers are ranked by sales; those whose higher-ranked customers make less than ``a`` of
    all sales are A, less than ``b`` B, the rest C. Customers tied with the last of a class
    share its class.
    """
    out = np.full(sales.shape, ABC_CODES["C"], dtype=np.int8)
    idx = np.flatnonzero(members)
    if idx.size == 0:
        return out
    s = sales.take(idx)
    ranked = np.sort(s)[::-1]
    cum = np.cumsum(ranked, dtype=np.float64)
    total = cum[-1]
    if total <= 0:
        return out
    before = cum - ranked  # sales of the customers ranked above each one
    n_a = int(np.searchsorted(before, a * total, side="left"))
    n_b = int(np.searchsorted(before, b * total, side="left"))
    cls = np.full(idx.size, ABC_CODES["C"], dtype=np.int8)
    cls[s >= ranked[max(n_b, 1) - 1]] = ABC_CODES["B"]
    cls[s >= ranked[max(n_a, 1) - 1]] = ABC_CODES["A"]
    out[idx] = cls
    return out


def _top(values: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` candidates with the largest values (introselect, no full sort)."""
    if k >= candidates.size:
        return candidates
    v = values.take(candidates)
    return candidates[np.argpartition(-v, k - 1)[:k]]


def value_classes(margin: np.ndarray, potential: np.ndarray, members: np.ndarray,
                  mvc_share: float = 0.2, mgc_share: float = 0.2) -> np.ndarray:
    """Value class codes (MVC=0, MGC=1, BZ=2, other=3) among ``members`` (others: other).

    Args:
        margin: smoothed margin per customer and period (money).
        potential: unrealised potential margin per period (money).
        members: the firm's current customers.
        mvc_share: share of the non-BZ members that are most valuable.
        mgc_share: share of the non-BZ members that are most growable (among the rest).
    """
    out = np.full(margin.shape, VALUE_CODES["other"], dtype=np.int8)
    idx = np.flatnonzero(members)
    if idx.size == 0:
        return out
    bz = margin.take(idx) < 0
    out[idx[bz]] = VALUE_CODES["BZ"]
    rest = idx[~bz]
    if rest.size:
        top = _top(margin, rest, max(1, round(mvc_share * rest.size)))
        out[top] = VALUE_CODES["MVC"]
        others = rest[out.take(rest) == VALUE_CODES["other"]]
        if others.size:
            grow = _top(potential, others, max(1, round(mgc_share * rest.size)))
            out[grow] = VALUE_CODES["MGC"]
    return out


def classify_customers(firm: Firm, state: CustomerState, population: Population,
                       b: BehaviourSpec) -> None:
    """A firm's review of its customer records: ABC and value classes of its current customers.

    Potential is the margin the firm would earn on all of a customer's expected purchases
    (volume x purchase rate x unit margin) times the share it does not get yet (1 - L).
    """
    st, pop, s = state, population, firm.slot
    members = st.current == s
    st.abc[s] = abc_classes(st.sales[s], members, b.abc_a, b.abc_b)
    unit_margin = max(firm.levers.price - firm.unit_cost(), 0.0)
    potential = pop.volume * pop.purchase_rate
    potential *= F32(unit_margin)
    potential *= 1.0 - st.loyalty[s]
    st.value_class[s] = value_classes(st.margin[s], potential, members, b.mvc_share,
                                      b.mgc_share)


def _class_codes(dimension: str, slot: int, state: CustomerState,
                 population: Population) -> np.ndarray:
    if dimension == "segment":
        return population.segment
    if dimension == "abc":
        return state.abc[slot]
    if dimension == "value":
        return state.value_class[slot]
    return state.loyalty_class[slot]


def _class_names(dimension: str, population: Population) -> tuple[str, ...]:
    return {"segment": population.segment_names, "abc": ABC_CLASSES,
            "value": VALUE_CLASSES, "loyalty": (*LOYALTY_CLASSES, "unaware")}[dimension]


def resolve_class_map(value: Any, slot: int, default: Any, encode: Callable[[Any], float],
                      state: CustomerState, population: Population, dtype: Any = F32) -> Any:
    """A lever given per customer class: one value, or an array over customers.

    Classes a mapping does not name take its ``default`` entry, else ``default``.
    """
    if not isinstance(value, dict):
        return encode(value)
    dim = class_map_dimension(list(value), list(population.segment_names))
    fallback = value.get("default", default)
    table = np.array([encode(value.get(c, fallback)) for c in _class_names(dim, population)],
                     dtype=dtype)
    return table.take(_class_codes(dim, slot, state, population))


def relationship_levels(firm: Firm, state: CustomerState,
                        population: Population) -> int | np.ndarray:
    """Each customer's relationship level code toward ``firm`` (or one code for all)."""
    return resolve_class_map(firm.levers.relationship_level, firm.slot, "basic", LEVELS.index,
                             state, population, dtype=np.int8)


def level_costs(firm: Firm, level: int | np.ndarray, members: np.ndarray,
                dtype: type = F32) -> Any:
    """The firm's relationship-level cost per period of each of ``members``: one number when
    every customer runs the same ``level`` (a code), else one per member (``level`` per
    customer, as :func:`relationship_levels` gives it)."""
    per_level = np.array([firm.costs.relationship[name] for name in LEVELS], dtype=dtype)
    if np.isscalar(level):
        return per_level[int(level)]
    return per_level.take(level.take(members))  # type: ignore[union-attr]


def level_effects(level: int | np.ndarray, b: BehaviourSpec) -> dict[str, Any]:
    """What the relationship level(s) do: each of :data:`LEVEL_EFFECTS`, scalar or per customer."""
    effects = [b.levels[name] for name in LEVELS]
    if np.isscalar(level):
        return {k: F32(getattr(effects[int(level)], k)) for k in LEVEL_EFFECTS}
    return {k: np.array([getattr(e, k) for e in effects], dtype=F32).take(level)
            for k in LEVEL_EFFECTS}
