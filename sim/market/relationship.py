"""After the purchase: satisfaction, expectation, trust, commitment, loyalty and loyalty classes.

Rules, for a customer who bought from firm f this period (money per unit; ``net`` is delivered
value before money cost, ``money`` the weighted money cost paid):

- **Disconfirmation** (Oliver 1980): ``d = experienced_net - expected_net``.
- **Satisfaction response** ``s = logistic((experienced_net - money - standard +
  disconfirmation_weight * d) / satisfaction_scale)``; satisfaction ``S`` is its exponential
  smoothing (first purchase: ``S = s``). Satisfaction rises with what the customer got and with
  getting more than expected, and falls when it knows a better alternative: the **comparison
  standard** (Woodruff, Cadotte & Jenkins 1983, experience-based norms) is ``comparison_weight``
  times the perceived surplus of the best alternative the customer could have chosen this
  period (another firm available to it, or not buying), so a firm that stands still while
  rivals improve loses satisfaction it did nothing to lose.
- **Adaptive expectation**: ``E += expectation_rate * (experienced_net - E)``. For a firm the
  customer has bought from but not this period, the expectation **drifts** toward what it now
  hears of the firm, its first impression of today's offer (image from promotion, word of
  mouth): ``E += expectation_drift * (first_impression - E)`` (:func:`drift_expectations`), so a
  lapsed customer whose expectation fell below the price can be won back.
- **Trust** with negativity bias (Morgan & Hunt 1994; Baumeister et al. 2001): evidence
  ``e = 2 s - 1``; ``T += gain * max(e, 0) * (1 - T)``, then
  ``T -= min(T, trust_loss * max(-e, 0))``, with
  ``gain = trust_gain * level.trust_gain * (1 + social_trust * social) * (1 + communication)``.
  The loss does not shrink as trust gets low and is several times the largest gain: one bad
  experience undoes much work.
- **Affective commitment** moves toward ``T * (commitment_base + level.commitment +
  social_commitment * social)``; **calculative commitment** is
  ``1 - exp(-switching_cost / calculative_scale)`` (points, structural bonds).
- **Loyalty** (Guadagni & Little 1983): at every purchase occasion,
  ``L_f = alpha * L_f + (1 - alpha) * [bought f]``.

**Loyalty classes** per customer and firm (exactly one each period): *unaware*; *potential*
(aware, never bought); *new* (first purchase in the current relationship); *repeat* (two or
more); *loyal* (repeat buying with attitude: ``L``, ``T`` and affective commitment above their
thresholds, Dick & Basu 1994); *lapsed* (bought before; switched away or silent too long).
Repeat customers held by switching costs more than by affect are counted as *spurious*
(Barnes; Dick & Basu): they leave when the costs go away.

**Dissolution**: a relationship silent for longer than the customer's lapse time (``lapse_after``
expected inter-purchase times) dissolves: the customer has no current firm.

The period's phases here: :func:`smooth_loyalty` (Guadagni-Little),
:func:`drift_expectations`, :func:`dissolve_silent` (lapses), :func:`customer_flows` (retained,
acquired, churned) and :func:`classify_loyalty`.
The updates after a purchase run in :mod:`sim.market.purchase`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario.market import BehaviourSpec, LevelEffect

if TYPE_CHECKING:
    from sim.market.population import Population
    from sim.market.state import CustomerState, WorkBuffers

__all__ = [
    "CLASS_NAMES",
    "LAPSED",
    "LOYAL",
    "NEW",
    "POTENTIAL",
    "REPEAT",
    "UNAWARE",
    "RelationshipState",
    "calculative_commitment",
    "classify_loyalty",
    "customer_flows",
    "dissolve_silent",
    "drift_expectations",
    "loyalty_class",
    "loyalty_class_kernel",
    "satisfaction_response",
    "smooth_loyalty",
    "update_after_purchase",
]

POTENTIAL, NEW, REPEAT, LOYAL, LAPSED, UNAWARE = range(6)
CLASS_NAMES = ("potential", "new", "repeat", "loyal", "lapsed", "unaware")
F32 = np.float32


@dataclass(frozen=True)
class RelationshipState:
    """One customer's state toward one firm."""

    aware: bool = False
    ever_bought: bool = False
    active: bool = False
    purchases: int = 0
    expectation: float = 0.0
    satisfaction: float = 0.0
    trust: float = 0.2
    commitment: float = 0.0
    loyalty: float = 0.0


def satisfaction_response(experienced_net: float, money: float, expected_net: float,
                          b: BehaviourSpec, standard: float = 0.0) -> float:
    """Satisfaction of one purchase (0..1) by expectation-disconfirmation (Oliver 1980),
    against the comparison ``standard`` (money; Woodruff, Cadotte & Jenkins 1983)."""
    d = experienced_net - expected_net
    x = (experienced_net - money - standard + b.disconfirmation_weight * d) / b.satisfaction_scale
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)  # stable for very bad experiences
    return z / (1.0 + z)


def calculative_commitment(switching_cost: float, b: BehaviourSpec) -> float:
    """Commitment held by the cost of leaving (points, bonds), 0..1."""
    return 1.0 - math.exp(-max(switching_cost, 0.0) / b.calculative_scale)


def update_after_purchase(state: RelationshipState, experienced_net: float, money: float,
                          expected_net: float, b: BehaviourSpec, level: LevelEffect,
                          social: float, communication: float,
                          standard: float = 0.0) -> RelationshipState:
    """One customer's relationship state after buying from the firm (the readable rule).

    ``expected_net`` is what the customer expected: its expectation if it has bought before,
    else its first impression; ``standard`` its comparison standard (money).
    """
    s = satisfaction_response(experienced_net, money, expected_net, b, standard)
    first = state.purchases == 0 or not state.ever_bought
    satisfaction = s if first else state.satisfaction + b.satisfaction_rate * (
        s - state.satisfaction)
    evidence = 2.0 * s - 1.0
    gain = (b.trust_gain * level.trust_gain * (1.0 + b.social_trust * social)
            * (1.0 + communication))
    trust = state.trust
    trust += min(gain, 1.0) * max(evidence, 0.0) * (1.0 - trust)
    trust -= min(trust, b.trust_loss * max(-evidence, 0.0))
    expectation = expected_net + b.expectation_rate * (experienced_net - expected_net)
    target = min(1.0, trust * (b.commitment_base + level.commitment
                               + b.social_commitment * social))
    commitment = state.commitment + b.commitment_rate * (target - state.commitment)
    return replace(state, aware=True, ever_bought=True, active=True,
                   purchases=(1 if not state.active else state.purchases + 1),
                   expectation=expectation, satisfaction=satisfaction, trust=trust,
                   commitment=commitment)


def update_after_purchase_kernel(
        experienced_net: np.ndarray, money: np.ndarray, expected_net: np.ndarray,
        first: np.ndarray, satisfaction: np.ndarray, trust: np.ndarray, commitment: np.ndarray,
        b: BehaviourSpec, trust_gain_mult: np.ndarray, commitment_add: np.ndarray,
        communication: float, standard: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Vectorised :func:`update_after_purchase` for the buyers of one firm.

    Arrays are the buyers' values (gathered); returns new (expectation, satisfaction, trust,
    commitment). ``trust_gain_mult`` is ``level.trust_gain * (1 + social_trust * social)`` per
    buyer and ``commitment_add`` is ``level.commitment + social_commitment * social``;
    ``standard`` the buyers' comparison standards (None: zero).
    """
    d = experienced_net - expected_net
    x = experienced_net - money
    if standard is not None:
        x -= standard
    x += F32(b.disconfirmation_weight) * d
    x *= F32(-1.0 / b.satisfaction_scale)
    np.exp(x, out=x)
    x += F32(1.0)
    s = np.reciprocal(x, out=x)
    sat = np.where(first, s, satisfaction + F32(b.satisfaction_rate) * (s - satisfaction))
    evidence = 2.0 * s - 1.0
    gain = np.minimum(trust_gain_mult * F32(b.trust_gain * (1.0 + communication)), F32(1.0))
    t = trust + gain * np.maximum(evidence, 0.0) * (1.0 - trust)
    t -= np.minimum(t, F32(b.trust_loss) * np.maximum(-evidence, 0.0))
    expectation = expected_net + F32(b.expectation_rate) * d
    target = np.minimum(t * (F32(b.commitment_base) + commitment_add), F32(1.0))
    c = commitment + F32(b.commitment_rate) * (target - commitment)
    return (expectation.astype(F32), sat.astype(F32), t.astype(F32), c.astype(F32))


def loyalty_class(state: RelationshipState, b: BehaviourSpec) -> int:
    """The loyalty class of one customer toward one firm (see module docstring)."""
    if state.active:
        if state.purchases <= 1:
            return NEW
        if (state.loyalty >= b.loyal_loyalty and state.trust >= b.loyal_trust
                and state.commitment >= b.loyal_commitment):
            return LOYAL
        return REPEAT
    if state.ever_bought:
        return LAPSED
    return POTENTIAL if state.aware else UNAWARE


def _class_table() -> np.ndarray:
    """Loyalty class for each combination of the five bits aware, ever bought, active,
    repeat (two or more purchases) and attitude, built from :func:`loyalty_class`."""
    table = np.empty(32, dtype=np.int8)
    for code in range(32):
        aware, ever, active, repeat, attitude = ((code >> bit) & 1 for bit in range(5))
        table[code] = (NEW if active and not repeat else
                       (LOYAL if attitude else REPEAT) if active else
                       LAPSED if ever else POTENTIAL if aware else UNAWARE)
    return table


_CLASS_TABLE = _class_table()


def loyalty_class_kernel(aware: np.ndarray, ever: np.ndarray, active: np.ndarray,
                         purchases: np.ndarray, loyalty: np.ndarray, trust: np.ndarray,
                         commitment: np.ndarray, b: BehaviourSpec) -> np.ndarray:
    """Vectorised :func:`loyalty_class` (any matching shapes); int8 codes.

    Packs the five conditions into a 5-bit code per customer and looks the class up in a
    32-entry table (one pass per condition instead of a masked assignment per class).
    """
    code = aware.astype(np.uint8)
    code |= ever.view(np.uint8) << 1
    code |= active.view(np.uint8) << 2
    code |= (purchases > 1).view(np.uint8) << 3
    attitude = loyalty >= F32(b.loyal_loyalty)
    attitude &= trust >= F32(b.loyal_trust)
    attitude &= commitment >= F32(b.loyal_commitment)
    code |= attitude.view(np.uint8) << 4
    return _CLASS_TABLE.take(code)


# --------------------------------------------------------------------------- the period's phases
def smooth_loyalty(occasion: np.ndarray, buyers: dict[int, np.ndarray], slots: list[int],
                   population: Population, state: CustomerState, buffers: WorkBuffers) -> None:
    """Guadagni-Little loyalty at every purchase occasion: ``L_f = alpha L_f + (1 - alpha) [bought
    f]``, for every firm slot; customers without an occasion keep their loyalty."""
    pop, st = population, state
    alpha = buffers.alpha
    alpha.fill(1.0)
    np.copyto(alpha, pop.loyalty_smoothing, where=occasion)
    for s in slots:
        st.loyalty[s] *= alpha
    for s in slots:
        bi = buyers[s]
        st.loyalty[s, bi] += 1.0 - pop.loyalty_smoothing[bi]


def drift_expectations(buyers: dict[int, np.ndarray], slots: list[int], population: Population,
                       state: CustomerState, b: BehaviourSpec) -> None:
    """Expectations of firms a customer has bought from, but not this period, drift toward its
    first impression of the firm's offer today: ``E += expectation_drift * (net +
    perception_noise * error - E)``."""
    rate = F32(b.expectation_drift)
    if rate == 0:
        return
    pop, st = population, state
    for s in slots:
        drifting = st.ever[s].copy()
        drifting[buyers[s]] = False
        target = np.multiply(pop.perception_error[s], F32(b.perception_noise))
        target += st.net[s]
        target -= st.expectation[s]
        target *= rate
        np.add(st.expectation[s], target, out=st.expectation[s], where=drifting)


def dissolve_silent(t: int, population: Population, state: CustomerState) -> None:
    """Relationships silent for longer than the customer's lapse time dissolve (no current firm)."""
    st = state
    cur_idx = np.flatnonzero(st.current >= 0)
    cur_slot = st.current[cur_idx].astype(np.intp)
    silent = (t - st.last_purchase[cur_slot, cur_idx]) > population.lapse_periods[cur_idx]
    st.current[cur_idx[silent]] = -1


def customer_flows(current_start: np.ndarray, end: np.ndarray,
                   slots: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per firm slot: customers retained through the period, current at its start, at its end."""
    same = (current_start == end) & (end >= 0)
    retained = np.bincount(end[same].astype(np.intp), minlength=slots)
    start_count = np.bincount(current_start[current_start >= 0].astype(np.intp),
                              minlength=slots)
    end_count = np.bincount(end[end >= 0].astype(np.intp), minlength=slots)
    return retained, start_count, end_count


def classify_loyalty(slots: list[int], state: CustomerState, b: BehaviourSpec) -> None:
    """Every customer's loyalty class toward every firm at the end of the period."""
    st = state
    end = st.current
    for s in slots:
        st.loyalty_class[s] = loyalty_class_kernel(st.aware[s], st.ever[s], end == s,
                                                   st.purchases[s], st.loyalty[s], st.trust[s],
                                                   st.commitment[s], b)
