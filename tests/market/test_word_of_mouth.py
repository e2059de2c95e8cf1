"""Tests for sim.market.word_of_mouth: the Bass hazard and what customers hear."""

from __future__ import annotations

import numpy as np

from sim.market.model import MarketModel
from sim.market.seeding import Streams

F32 = np.float32


def _ready(make_scenario, replay_period, network: str, **market):
    model = MarketModel(make_scenario({"A": {}, "B": {"price": 90.0}}, customers=400,
                                      periods=5, market={"network": {"kind": network},
                                                         **market}), seed=8)
    model.run(periods=2)
    return model, replay_period(model, until="word_of_mouth")


def test_without_a_network_awareness_comes_from_promotion_alone(make_scenario, replay_period):
    from sim.market.word_of_mouth import spread_word_of_mouth

    model, period = _ready(make_scenario, replay_period, "none")
    before = model.state.aware.copy()
    spread_word_of_mouth(period, model.population, model.state, model.network, model._buffers,
                         model.spec.market.behaviour, model.spec.market.awareness, model.streams)
    p = model.spec.market.awareness.innovation
    for firm in period.firms:
        u = Streams(8).generator(f"firm/{firm.name}/awareness", 3).random(400, dtype=F32)
        hazard = F32(0.0) * F32(model.spec.market.awareness.imitation) + F32(
            p * firm.promotion_reach)
        np.testing.assert_array_equal(model.state.aware[firm.slot],
                                      before[firm.slot] | (u < hazard))
        assert not model.state.sentiment[firm.slot].any()


def test_customers_hear_praise_and_louder_complaints(make_scenario, replay_period):
    """Complete network: each customer hears the mean voice of everyone else."""
    from sim.market.word_of_mouth import spread_word_of_mouth

    model, period = _ready(make_scenario, replay_period, "complete")
    st, pop, b = model.state, model.population, model.spec.market.behaviour
    rng = np.random.default_rng(0)
    st.ever[0] = rng.random(400) < 0.5
    st.satisfaction[0] = rng.random(400).astype(F32)
    period.current_start[:] = np.where(st.ever[0] & (rng.random(400) < 0.7), 0, -1)
    praise = pop.word_of_mouth * ((period.current_start == 0)
                                  & (st.satisfaction[0] >= b.recommend_satisfaction))
    complaint = pop.word_of_mouth * (st.ever[0] & (st.satisfaction[0] < b.complain_satisfaction))
    voice = praise.astype(np.float64) - b.complaint_weight * complaint.astype(np.float64)
    heard = (voice.sum() - voice) / 399
    bought = st.ever[0].astype(np.float64)
    share = (bought.sum() - bought) / 399
    before = st.aware[0].copy()
    spread_word_of_mouth(period, pop, st, model.network, model._buffers, b,
                         model.spec.market.awareness, model.streams)
    np.testing.assert_allclose(st.sentiment[0], heard, atol=1e-5)
    assert complaint.sum() > 0 and praise.sum() > 0
    # the share of neighbours who bought raises the hazard (Bass q)
    u = Streams(8).generator("firm/A/awareness", 3).random(400, dtype=F32)
    aw = model.spec.market.awareness
    hazard = share * aw.imitation + aw.innovation * period.firms[0].promotion_reach
    clear = np.abs(u - hazard) > 1e-5  # away from float32 ties
    np.testing.assert_array_equal(st.aware[0][clear], (before | (u < hazard))[clear])
    assert (st.aware[0] & ~before).sum() > 0
