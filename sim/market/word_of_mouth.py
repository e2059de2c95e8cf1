"""Awareness and word of mouth, from the state at the start of the period.

Over the customers' social network (:mod:`sim.network`), each customer hears, for every firm:

- the share of its neighbours who have bought from the firm (internal influence), and
- the signed sentiment they voice: praise from satisfied current customers (satisfaction at or
  above ``recommend_satisfaction``), minus complaints from dissatisfied past customers (below
  ``complain_satisfaction``), complaints weighted ``complaint_weight`` times more (TARP 1986:
  complaints spread more readily than praise), each scaled by the speaker's word-of-mouth
  propensity.

Awareness follows a Bass (1969) hazard per period: ``p * reach + q * share of neighbours who
bought``, with ``p`` (innovation) applied through the firm's promotion reach (external
influence) and ``q`` (imitation) through word of mouth. With one firm and no competitor this
gives a Bass-shaped adoption curve (tests/market/test_model.py). The sentiment heard moves the
image and psychic cost of the firm in the customer's delivered value (:mod:`sim.market.value`).
Each firm's awareness draws come from a stream named after the firm and the period, so adding a
firm changes no other draw.
"""

from __future__ import annotations

import numpy as np

from sim.market.period import Period
from sim.market.population import Population
from sim.market.seeding import Streams
from sim.market.state import F32, CustomerState, WorkBuffers
from sim.network import SocialNetwork
from sim.scenario.market import AwarenessSpec, BehaviourSpec

__all__ = ["spread_word_of_mouth"]


def spread_word_of_mouth(period: Period, population: Population, state: CustomerState,
                         network: SocialNetwork, buffers: WorkBuffers, b: BehaviourSpec,
                         aw: AwarenessSpec, streams: Streams) -> None:
    """Customers hear their neighbours and some become aware of firms (see module docstring).

    Writes ``state.aware`` (customers only ever become aware) and ``state.sentiment`` (the
    signed word of mouth each customer heard about each firm this period).
    """
    pop, st, firms = population, state, period.firms
    n, k = pop.n, len(firms)
    current_start = period.current_start
    t1, _ = buffers.scratch
    talk = buffers.talk[:2 * k]
    for j, s in enumerate(period.slots):
        np.copyto(talk[j], st.ever[s])
        voice = talk[k + j]
        sat = st.satisfaction[s]
        np.multiply(pop.word_of_mouth, (current_start == s) & (sat >= b.recommend_satisfaction),
                    out=voice)
        np.multiply(pop.word_of_mouth, st.ever[s] & (sat < b.complain_satisfaction), out=t1)
        t1 *= F32(b.complaint_weight)
        voice -= t1
    heard = network.neighbour_mean(talk)
    for j, firm in enumerate(firms):
        s = firm.slot
        hazard = heard[j]
        hazard *= F32(aw.imitation)
        hazard += F32(aw.innovation * firm.promotion_reach)
        u_aware = streams.generator(f"firm/{firm.name}/awareness", period.t).random(
            n, dtype=F32, out=t1)
        st.aware[s] |= u_aware < hazard
        st.sentiment[s] = heard[k + j]
