"""Built-in strategies, registered by name: 4P, 4C, 4R and fixed."""

from sim.strategies import fixed, four_c, four_p, four_r  # noqa: F401  (registration)
from sim.strategies.base import (
    ALL_LEVERS,
    REGISTRY,
    MarketView,
    Strategy,
    StrategyParams,
    decided_levers,
    get_strategy_class,
    make_strategy,
    parameter_problems,
    register,
    undeclared_levers,
    validate_strategy,
)

__all__ = [
    "ALL_LEVERS",
    "REGISTRY",
    "MarketView",
    "Strategy",
    "StrategyParams",
    "decided_levers",
    "get_strategy_class",
    "make_strategy",
    "parameter_problems",
    "register",
    "undeclared_levers",
    "validate_strategy",
]
