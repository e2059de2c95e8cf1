"""The starting scenario ``stratsim new NAME`` writes: commented, two firms, the default market.

Shipped scenarios and the starter begin with :data:`SCHEMA_COMMENT`, which points editors with
the YAML language server at the JSON Schema shipped in ``sim/data`` (validation and completion).
"""

from __future__ import annotations

__all__ = ["SCHEMA_COMMENT", "starter_scenario"]

SCHEMA_COMMENT = "# yaml-language-server: $schema=../sim/data/scenario.schema.json"
"""First line of the shipped scenarios: editor validation and completion."""


def starter_scenario(name: str) -> str:
    """A commented scenario to start from: two firms, the default market."""
    return f"""{SCHEMA_COMMENT}
# {name}: a starting scenario. Every field not written here takes its default; the full list
# with units, ranges and sources is in docs/reference.md (or run `stratsim schema`).
#
# Learning goal: (what should students see?)
# Question:      (what do they answer?)
# Try:           stratsim run {name}.yaml --set firms.Alpha.price=80   (Alpha keeps 80)
# Read:          runs/{name}-seed1/figures/loyalty.png and profit.png

name: "{name}"
description: Two firms compete for 5,000 customers over three years.
periods: 36            # months
seed: 1

market:
  customers: 5000
  awareness:
    initial: 0.5       # share of customers who know each firm at the start
  # segments: leave out for the four default segments (lighthouse, follower, rational,
  # deal_seeker), or define your own; their shares must sum to 1:
  # segments:
  #   families: {{share: 0.6, weights: {{money: 1.4}}, purchase_rate: 0.6}}
  #   professionals: {{share: 0.4, weights: {{service: 1.5, money: 0.7}}}}

firms:
  # A lever written directly is pinned: the firm keeps it every period and its strategy
  # decides the rest; under `initial` it is a starting value the strategy may change.
  # `stratsim validate --explain {name}.yaml` lists which lever is which.
  Alpha:
    strategy: 4P       # 4P, 4C, 4R or fixed (levers as written)
    quality: 0.7       # 0..1 (4P does not change quality)
    initial:           # 4P sets its own price and promotion from its first review
      price: 90        # money per unit
      promotion: 8000  # money per month
  Beta:
    strategy: fixed
    price: 95
    quality: 0.75
    service: 0.6       # 0..1
    relationship_level: accountable   # basic, reactive, accountable, proactive, partnership
    programs:
      financial: 0.0   # points worth this share of spend
      social: 0.0      # 0..1
      structural: 0.0  # 0..1

events: []             # e.g. - {{period: 12, firm: Alpha, set: {{price: 75}}}}

# check: {{replications: 20}}
# expectations:        # checked by `stratsim check {name}.yaml`
#   - claim: Beta keeps more of its customers than Alpha
#     left: retention_rate@Beta
#     op: ">"
#     right: retention_rate@Alpha
#     over: [25, 36]
#     holds_in: 0.8
"""
