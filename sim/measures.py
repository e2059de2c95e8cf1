"""The names of what a run is measured by: experiment outcomes and diagnostic measures.

Two vocabularies, shared by every layer that names a number of a run (``--outcome``,
experiment files, ``stratsim diagnose``, calibration targets):

- :data:`OUTCOME_METRICS`: the outcomes every run of an experiment computes for every firm,
  named ``metric@Firm`` in its ``runs`` table (:func:`sim.experiment.task.final_outcomes`);
- :data:`DIAGNOSTIC_MEASURES`: the measures of one replication of ``stratsim diagnose``
  (:mod:`sim.experiment.measurement`), named ``measure@Firm`` in its ``runs`` table and in
  ``diagnostics.csv``; those in :data:`CATEGORY_MEASURES` are also measured for the whole
  category (no firm). :data:`MEASURE_ALIASES` are the longer names a user may write instead
  (``price_elasticity`` for ``elasticity_price``, ``purchases_per_buyer`` for ``frequency``).
"""

from __future__ import annotations

__all__ = ["CATEGORY_MEASURES", "DIAGNOSTIC_MEASURES", "MEASURE_ALIASES", "OUTCOME_METRICS",
           "WINDOWED_METRICS"]

OUTCOME_METRICS: dict[str, str] = {
    "cumulative_profit": "cumulative profit at the last period (money)",
    "discounted_profit": "discounted cumulative profit at the last period (money)",
    "customer_equity": "sum of current customers' lifetime values at the last period (money)",
    "loyal_share": "loyal customers / all customers at the last period",
    "share_units": "market share in units at the last period",
    "retention_rate": "mean retention rate per period over the last 12 periods",
    "churn_rate": "1 - retention_rate",
    "satisfaction": "mean satisfaction of current customers at the last period",
    "trust": "mean trust of current customers at the last period",
    "active": "current customers at the last period",
    "profit": "profit in the last period (money)",
}
"""Outcomes computed for every firm of every run, named ``metric@Firm``."""

WINDOWED_METRICS: dict[str, str] = {
    "loyal_share": "mean of loyal customers / all customers over the window",
    "share_units": "mean market share in units over the window",
    "retention_rate": "mean retention rate per period over the window",
    "churn_rate": "1 - the mean retention rate per period over the window",
    "satisfaction": "mean satisfaction of current customers over the window",
    "trust": "mean trust of current customers over the window",
    "active": "mean current customers over the window",
    "profit": "mean profit per period over the window (money)",
}
"""The outcome metrics that have a value over a window of periods (a mean per period); the
other three are values at the last period (cumulative profit, customer equity)."""

DIAGNOSTIC_MEASURES: dict[str, str] = {
    "elasticity_price": "own-price elasticity of units",
    "elasticity_promotion": "promotion (advertising) elasticity of units",
    "elasticity_quality": "quality elasticity of units",
    "churn": "churn per period (churned / customers at risk, over the window)",
    "retention": "retention per period (1 - churn)",
    "lifetime": "expected lifetime 1/churn (periods)",
    "tenure": "mean length of relationships that ended (periods)",
    "penetration": "penetration b: share of customers who bought",
    "frequency": "purchases per buyer w",
    "scr": "share of category requirements of its buyers",
    "repeat": "repeat rate: first-half buyers who bought again",
    "share": "share of the category's purchases",
    "w_1_b": "w (1 - b)",
    **{f"class_{c}": f"{c} customers / all customers at the last period"
       for c in ("unaware", "potential", "new", "repeat", "loyal", "lapsed")},
    "no_purchase": "purchase occasions that ended with no purchase (category only)",
}
"""Measures of a diagnosis, over its window (the scenario's last periods)."""

CATEGORY_MEASURES: frozenset[str] = frozenset({"no_purchase", "penetration", "frequency"})
"""Diagnostic measures that are also taken for the whole category (written without a firm)."""

MEASURE_ALIASES: dict[str, str] = {
    "price_elasticity": "elasticity_price",
    "promotion_elasticity": "elasticity_promotion",
    "advertising_elasticity": "elasticity_promotion",
    "quality_elasticity": "elasticity_quality",
    "purchases_per_buyer": "frequency",
    "share_of_requirements": "scr",
    "repeat_rate": "repeat",
    "purchase_share": "share",
}
"""Longer names of diagnostic measures."""
